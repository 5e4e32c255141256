import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { emvGenerateArpc, emvGenerateArqc, emvVerifyArqc, EmvCryptogramKey } from './cryptogram.js';
import { emvDeriveIccMasterKey } from './icc-master-key.js';
import { emvAtcDiversifier, emvCommonSessionKey, emvVisaSmSessionKey } from './session-key.js';
import { expectCryptoError } from '../test-helpers.js';

const issuerKey = fromHex('0123456789ABCDEFFEDCBA9876543210');
const doubleBlock = fromHex('0123456789ABCDEF0123456789ABCDEF');
const r = fromHex('1234567890123456');
const noCsu = fromHex('00000000');

describe('ARQC (ISO/IEC 9797-1 algorithm 3)', () => {
  // pyemv pyemv/ac.py module docstring
  it('matches the pyemv module example', () => {
    const key = fromHex('29B33180E567CE38EA4CBC9D753B0E61');
    expect(toHex(emvGenerateArqc(key, doubleBlock, 2))).toBe('FA624250B008B59A');
  });

  // pyemv pyemv/ac.py generate_ac docstring: CDOL1 data of a real-looking transaction
  it('matches the pyemv generate_ac example', () => {
    const data = fromHex('000000002000' + '000000000000' + '0124' + '0000008000' + '0124' + '110309' + '00' + '3804823E' + '5800' + '0001');
    expect(toHex(emvGenerateArqc(fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB'), data, 2))).toBe('3B76CF10FECD8789');
  });

  // pyemv tests/test_ac_hsm.py: ICC MK option A (PAN 9901234567890123, PSN 45), common SK with R = 1234567890123456
  it('matches pyemv test_ac_hsm for both padding methods', () => {
    const sessionKey = emvCommonSessionKey(emvDeriveIccMasterKey(issuerKey, '9901234567890123', '45', 'A'), r);
    expect(toHex(emvGenerateArqc(sessionKey, doubleBlock, 2))).toBe('4B46013359B7A58B');
    expect(toHex(emvGenerateArqc(sessionKey, fromHex('0123456789ABCDEF0123456789ABCDEF01'), 1))).toBe('2E141C6BC4A20DA8');
    expect(toHex(emvGenerateArqc(sessionKey, doubleBlock, 1))).toBe('922F3E83125EB46B');
  });

  // pyemv tests/test_kd_hsm.py: the same data under session keys from options A and B
  it.each([
    ['12345678901234567', '45', 'A', '19C1FBC83EBDC0D5'],
    ['12345678901234567', '00', 'A', '8698A7319324FD93'],
    ['1234567890123456', '00', 'B', '0CE77D211CB5459A'],
    ['12345678901234567', '45', 'B', '5760EE07B4FA65D1'],
    ['12345678901234567', '00', 'B', '0BAA251EA8989442'],
    ['123456789012345679', '00', 'B', 'DC95BCE3EBBE0296'],
  ])('PAN %s PSN %s option %s gives %s', (pan, psn, option, expected) => {
    const sessionKey = emvCommonSessionKey(emvDeriveIccMasterKey(issuerKey, pan, psn, option as 'A' | 'B'), r);
    expect(toHex(emvGenerateArqc(sessionKey, doubleBlock, 2))).toBe(expected);
  });

  // pyemv tests/test_kd_hsm.py test_derive_icc_mk_b_sha_pad: Visa CVN 18 style data, R = ATC || 00…
  it('matches pyemv test_derive_icc_mk_b_sha_pad', () => {
    const iccMasterKey = emvDeriveIccMasterKey(issuerKey, '000000000000000005', '23', 'B');
    const sessionKey = emvCommonSessionKey(iccMasterKey, emvAtcDiversifier(fromHex('001C')));
    const data = fromHex('0000000040000000000000000124800004800001241911050152BF45851800001C06011203A0B800');
    expect(toHex(emvGenerateArqc(sessionKey, data, 2))).toBe('8CAD6F2489C640B1');
  });

  describe('scheme chains from pyemv tests/test_cvn_hsm.py (PAN 1234567890123456, PSN 00, ATC 001C)', () => {
    const iccMasterKey = emvDeriveIccMasterKey(issuerKey, '1234567890123456', '00', 'A');
    const atc = fromHex('001C');
    const visaData = '000000004000' + '000000000000' + '0124' + '8000048000' + '0124' + '191105' + '01' + '52BF4585' + '1800' + '001C';
    const mcData = '000000009999' + '000000000000' + '0124' + '8000000000' + '0124' + '209906' + '00' + 'ABCDEF12' + '1800' + '001C' + 'A00003220000';
    const commonKey = emvCommonSessionKey(iccMasterKey, emvAtcDiversifier(atc));
    const mastercardKey = emvCommonSessionKey(iccMasterKey, fromHex('001C0000ABCDEF12'));

    it('Visa CVN 10: ICC MK as the key, padding method 1, ARPC method 1', () => {
      const arqc = emvGenerateArqc(iccMasterKey, fromHex(visaData + '03A06010'), 1);
      expect(toHex(arqc)).toBe('29CCA15AE665FA2E');
      expect(toHex(emvGenerateArpc(iccMasterKey, arqc, { method: 1, arc: fromHex('3030') }))).toBe('28993816AFAE4AEB');
    });

    it('Visa CVN 18: common session key, padding method 2, ARPC method 2', () => {
      const arqc = emvGenerateArqc(commonKey, fromHex(visaData + '06011203A0B800'), 2);
      expect(toHex(arqc)).toBe('7A788EA6B8A3E733');
      expect(toHex(emvGenerateArpc(commonKey, arqc, { method: 2, csu: noCsu }))).toBe('9AF514C1');
    });

    it('Mastercard CVN 16 / 17: R = ATC || 0000 || UN, ARPC method 1 under the ICC MK', () => {
      const arqc16 = emvGenerateArqc(mastercardKey, fromHex(mcData), 2);
      expect(toHex(arqc16)).toBe('24CCF3DEE3158C70');
      expect(toHex(emvGenerateArpc(iccMasterKey, arqc16, { method: 1, arc: fromHex('0010') }))).toBe('73F6BBF389A6586C');
      const arqc17 = emvGenerateArqc(mastercardKey, fromHex(`${mcData}00000000000322FF`), 2);
      expect(toHex(arqc17)).toBe('EAE8A620A75648D8');
      expect(toHex(emvGenerateArpc(iccMasterKey, arqc17, { method: 1, arc: fromHex('0010') }))).toBe('29CF11FBDB9CA650');
    });

    it('Mastercard CVN 20 / 21: common session key, ARPC method 1 under the session key', () => {
      const arqc20 = emvGenerateArqc(commonKey, fromHex(mcData), 2);
      expect(toHex(arqc20)).toBe('CD29615D6452E70E');
      expect(toHex(emvGenerateArpc(commonKey, arqc20, { method: 1, arc: fromHex('0010') }))).toBe('DFD0956606B68D64');
      const arqc21 = emvGenerateArqc(commonKey, fromHex(`${mcData}00000000000322FF`), 2);
      expect(toHex(arqc21)).toBe('C30E54BE496CF5E5');
      expect(toHex(emvGenerateArpc(commonKey, arqc21, { method: 1, arc: fromHex('0010') }))).toBe('4F51F9CC63CE8B3C');
    });

    it('Visa secure messaging: the command MAC is the same algorithm 3 MAC (padding method 2)', () => {
      const smi = emvDeriveIccMasterKey(fromHex('FEDCBA98765432100123456789ABCDEF'), '1234567890123456', '00', 'B');
      const command = fromHex('8418000008001C29CCA15AE665FA2E');
      expect(toHex(emvGenerateArqc(emvVisaSmSessionKey(smi, atc), command, 2))).toBe('DB56BA60087CEFD3');
    });
  });

  it('verifies a good cryptogram and rejects a wrong one with CRYPTO_ERR_MAC_MISMATCH', () => {
    const key = fromHex('29B33180E567CE38EA4CBC9D753B0E61');
    expect(() => {
      emvVerifyArqc(key, doubleBlock, fromHex('FA624250B008B59A'), 2);
    }).not.toThrow();
    expectCryptoError(() => { emvVerifyArqc(key, doubleBlock, fromHex('FA624250B008B59B'), 2); }, 'CRYPTO_ERR_MAC_MISMATCH', 'arqc', ['FA624250B008B59', toHex(key)]);
    // The right cryptogram under the other padding method does not verify.
    expectCryptoError(() => { emvVerifyArqc(key, doubleBlock, fromHex('FA624250B008B59A'), 1); }, 'CRYPTO_ERR_MAC_MISMATCH', 'arqc');
  });

  it('rejects any single-bit change in the cryptogram or in the data', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.constantFrom(1 as const, 2 as const),
        fc.boolean(),
        fc.nat(),
        (key, data, padding, flipInCryptogram, position) => {
          const cryptogramKey = new EmvCryptogramKey(key);
          const arqc = cryptogramKey.arqc(data, padding);
          cryptogramKey.verifyArqc(data, arqc, padding);
          const target = flipInCryptogram ? Buffer.from(arqc) : Buffer.from(data);
          const bit = position % (target.length * 8);
          target[bit >> 3] = (target[bit >> 3] as number) ^ (0x80 >> (bit & 7));
          const [checkedData, checkedArqc] = flipInCryptogram ? [data, target] : [target, arqc];
          expect(() => {
            cryptogramKey.verifyArqc(checkedData, checkedArqc, padding);
          }).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_MAC_MISMATCH' }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects bad keys, padding and cryptogram lengths, naming the argument', () => {
    const key = fromHex('29B33180E567CE38EA4CBC9D753B0E61');
    expectCryptoError(() => emvGenerateArqc(key.subarray(0, 8), doubleBlock, 2), 'CRYPTO_ERR_KEY_LENGTH', 'key', [toHex(key.subarray(0, 8))]);
    expectCryptoError(() => emvGenerateArqc(Buffer.concat([key, key.subarray(0, 8)]), doubleBlock, 2), 'CRYPTO_ERR_KEY_LENGTH', 'key');
    expectCryptoError(() => emvGenerateArqc(key, doubleBlock, 3 as 1), 'CRYPTO_ERR_MAC_PADDING', 'padding', [toHex(doubleBlock)]);
    expectCryptoError(() => { emvVerifyArqc(key, doubleBlock, fromHex('FA624250B008B5'), 2); }, 'CRYPTO_ERR_ARGUMENT', 'arqc', ['FA624250B008B5']);
  });
});

describe('ARPC', () => {
  const key = fromHex('29B33180E567CE38EA4CBC9D753B0E61');
  const arqc = fromHex('FA624250B008B59A');

  // pyemv pyemv/ac.py module and function docstrings
  it('matches the pyemv documented examples', () => {
    expect(toHex(emvGenerateArpc(key, arqc, { method: 1, arc: fromHex('0000') }))).toBe('45D4255EEF10C920');
    expect(toHex(emvGenerateArpc(key, arqc, { method: 2, csu: noCsu }))).toBe('CB56FA40');
    const other = fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB');
    expect(toHex(emvGenerateArpc(other, fromHex('1234567890ABCDEF'), { method: 1, arc: fromHex('0000') }))).toBe('F5E6F44147E2F1B0');
    expect(toHex(emvGenerateArpc(other, fromHex('1234567890ABCDEF'), { method: 2, csu: noCsu }))).toBe('9308BEBC');
  });

  // pyemv tests/test_ac_hsm.py and tests/test_kd_hsm.py
  it('matches the pyemv ARPC tests', () => {
    const iccA = emvDeriveIccMasterKey(issuerKey, '9901234567890123', '45', 'A');
    const sessionA = emvCommonSessionKey(iccA, r);
    const arqcA = fromHex('4B46013359B7A58B');
    expect(toHex(emvGenerateArpc(iccA, arqcA, { method: 1, arc: fromHex('0000') }))).toBe('F8C9CECAABD55AD1');
    expect(toHex(emvGenerateArpc(iccA, fromHex('2E141C6BC4A20DA8'), { method: 1, arc: fromHex('0000') }))).toBe('16A49AAB314B9262');
    expect(toHex(emvGenerateArpc(iccA, fromHex('922F3E83125EB46B'), { method: 1, arc: fromHex('0000') }))).toBe('8AE6E836084B0E80');
    expect(toHex(emvGenerateArpc(sessionA, arqcA, { method: 2, csu: noCsu, proprietaryAuthData: fromHex('1234567890ABCDEF') }))).toBe('4962B76C');
    expect(toHex(emvGenerateArpc(sessionA, arqcA, { method: 2, csu: noCsu }))).toBe('7DFB1188');

    const icc17 = emvDeriveIccMasterKey(issuerKey, '12345678901234567', '45', 'A');
    expect(toHex(emvGenerateArpc(icc17, fromHex('19C1FBC83EBDC0D5'), { method: 1, arc: fromHex('0000') }))).toBe('78A372523FA35A03');
    expect(toHex(emvGenerateArpc(emvCommonSessionKey(icc17, r), fromHex('19C1FBC83EBDC0D5'), { method: 1, arc: fromHex('0000') }))).toBe('C3620580668E5B65');

    const iccShaPad = emvDeriveIccMasterKey(issuerKey, '000000000000000005', '23', 'B');
    const sessionShaPad = emvCommonSessionKey(iccShaPad, emvAtcDiversifier(fromHex('001C')));
    const withData = { method: 2 as const, csu: noCsu, proprietaryAuthData: fromHex('12345678') };
    expect(toHex(emvGenerateArpc(sessionShaPad, fromHex('8CAD6F2489C640B1'), withData))).toBe('E39F1876');
  });

  it('method 1 is TDES of ARQC XOR (ARC || 00…), so ARC 0000 is TDES of the ARQC itself', () => {
    const cryptogramKey = new EmvCryptogramKey(key);
    const flipped = Buffer.from(arqc);
    flipped[0] = (flipped[0] as number) ^ 0x30;
    flipped[1] = (flipped[1] as number) ^ 0x30;
    expect(toHex(cryptogramKey.arpcMethod1(arqc, fromHex('3030')))).toBe(toHex(cryptogramKey.arpcMethod1(flipped, fromHex('0000'))));
  });

  it('checks the inputs against the method with CRYPTO_ERR_EMV_ARPC', () => {
    const secrets = [toHex(key), toHex(arqc)];
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 1 }), 'CRYPTO_ERR_EMV_ARPC', 'arc', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 1, arc: fromHex('00') }), 'CRYPTO_ERR_EMV_ARPC', 'arc', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 1, arc: fromHex('000000') }), 'CRYPTO_ERR_EMV_ARPC', 'arc', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 1, arc: fromHex('3030'), csu: noCsu }), 'CRYPTO_ERR_EMV_ARPC', 'csu', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 1, arc: fromHex('3030'), proprietaryAuthData: fromHex('01') }), 'CRYPTO_ERR_EMV_ARPC', 'proprietaryAuthData');
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 2 }), 'CRYPTO_ERR_EMV_ARPC', 'csu', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 2, csu: fromHex('000000') }), 'CRYPTO_ERR_EMV_ARPC', 'csu', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 2, csu: fromHex('0000000000') }), 'CRYPTO_ERR_EMV_ARPC', 'csu', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 2, csu: noCsu, arc: fromHex('3030') }), 'CRYPTO_ERR_EMV_ARPC', 'arc', secrets);
    expectCryptoError(
      () => emvGenerateArpc(key, arqc, { method: 2, csu: noCsu, proprietaryAuthData: fromHex('123456789012345678') }),
      'CRYPTO_ERR_EMV_ARPC',
      'proprietaryAuthData',
      secrets,
    );
    expectCryptoError(() => emvGenerateArpc(key, arqc.subarray(0, 7), { method: 1, arc: fromHex('3030') }), 'CRYPTO_ERR_EMV_ARPC', 'arqc', secrets);
    expectCryptoError(() => emvGenerateArpc(key, Buffer.concat([arqc, arqc]), { method: 2, csu: noCsu }), 'CRYPTO_ERR_EMV_ARPC', 'arqc', secrets);
    expectCryptoError(() => emvGenerateArpc(key, arqc, { method: 3 as 1, arc: fromHex('3030') }), 'CRYPTO_ERR_EMV_ARPC', 'method', secrets);
    expectCryptoError(() => emvGenerateArpc(key.subarray(0, 8), arqc, { method: 1, arc: fromHex('3030') }), 'CRYPTO_ERR_KEY_LENGTH', 'key', secrets);
  });

  it('accepts 0 to 8 bytes of proprietary authentication data', () => {
    const cryptogramKey = new EmvCryptogramKey(key);
    const seen = new Set<string>();
    for (let length = 0; length <= 8; length++) {
      const arpc = cryptogramKey.arpcMethod2(arqc, noCsu, Buffer.alloc(length, 0xa5));
      expect(arpc.length).toBe(4);
      seen.add(toHex(arpc));
    }
    expect(seen.size).toBe(9);
    expect(toHex(cryptogramKey.arpcMethod2(arqc, noCsu, Buffer.alloc(0)))).toBe('CB56FA40');
  });
});
