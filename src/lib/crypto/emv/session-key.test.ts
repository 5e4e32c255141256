import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptEcb } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { adjustOddParity, isOddParity } from '../des-parity.js';
import { keyCheckValue } from '../kcv.js';
import { emvDeriveIccMasterKey } from './icc-master-key.js';
import { emvAtcDiversifier, emvCommonSessionKey, emvTreeSessionKey, emvVisaSmSessionKey } from './session-key.js';
import { expectCryptoError } from '../test-helpers.js';

const mk = fromHex('0123456789ABCDEFFEDCBA9876543210');
const kcv2 = (key: Uint8Array): string => toHex(keyCheckValue('tdes', key, { lengthBytes: 2 }));

describe('emvCommonSessionKey', () => {
  // pyemv pyemv/kd.py derive_common_sk docstring
  it('matches the pyemv documented example (R = ATC 001C || 00…)', () => {
    expect(toHex(emvCommonSessionKey(mk, fromHex('001C000000000000')))).toBe('E9FB384AF807B940FEDCEA613461B0C4');
    expect(toHex(emvCommonSessionKey(mk, emvAtcDiversifier(fromHex('001C'))))).toBe('E9FB384AF807B940FEDCEA613461B0C4');
  });

  // Computed with pyemv kd.derive_common_sk(mk, ATC || 00 * 6) (knovichikhin/pyemv cf6b82d).
  it.each([
    ['0000', 'F86457DC2A7F52F4FD31CD1F25196251'],
    ['0001', '858C34707F67D50845F8296EF19BBFFD'],
    ['8000', '8AEA0B5B1C627CE5E05220AEB9E385EA'],
    ['FFFF', 'B97A1C2C465D9183A2AB8698A7547532'],
  ])('ATC %s', (atc, expected) => {
    expect(toHex(emvCommonSessionKey(mk, emvAtcDiversifier(fromHex(atc))))).toBe(expected);
  });

  // pyemv tests/test_kd_hsm.py and tests/test_cvn_hsm.py: check digits of session keys
  it.each([
    ['12345678901234567', '45', 'A', '1234567890123456', 'DF82'], // test_derive_icc_mk_a_psn
    ['12345678901234567', '00', 'A', '1234567890123456', '3F4F'], // test_derive_icc_mk_a_no_psn
    ['1234567890123456', '00', 'B', '1234567890123456', 'BC19'], // test_derive_icc_mk_b_pan16
    ['12345678901234567', '45', 'B', '1234567890123456', '4262'], // test_derive_icc_mk_b_pan17_psn
    ['12345678901234567', '00', 'B', '1234567890123456', '7F36'], // test_derive_icc_mk_b_pan17_no_psn
    ['123456789012345679', '00', 'B', '1234567890123456', '7C35'], // test_derive_icc_mk_b_pan18
    ['000000000000000005', '23', 'B', '001C000000000000', '04F8'], // test_derive_icc_mk_b_sha_pad
    ['9901234567890123', '45', 'A', '1234567890123456', '0995'], // tests/test_ac_hsm.py
    ['1234567890123456', '00', 'A', '001C000000000000', '22C8'], // test_cvn_hsm.py Visa CVN 18: R = ATC || 00…
    ['1234567890123456', '00', 'A', '001C0000ABCDEF12', '2FD5'], // test_cvn_hsm.py Mastercard CVN 16: R = ATC || 0000 || UN
  ])('PAN %s PSN %s option %s, R %s has check digits %s', (pan, psn, option, r, kcv) => {
    const iccMasterKey = emvDeriveIccMasterKey(mk, pan, psn, option as 'A' | 'B');
    expect(kcv2(emvCommonSessionKey(iccMasterKey, fromHex(r)))).toBe(kcv);
  });

  it('replaces the third byte of R with F0 and 0F (EMV Book 2 A1.3.1)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 255 }), (key, r, third) => {
        const changed = Buffer.from(r);
        changed[2] = third;
        const f1 = Buffer.from(r);
        f1[2] = 0xf0;
        const f2 = Buffer.from(r);
        f2[2] = 0x0f;
        const expected = adjustOddParity(Buffer.concat([encryptEcb('tdes', key, f1), encryptEcb('tdes', key, f2)]));
        expect(toHex(emvCommonSessionKey(key, r))).toBe(toHex(expected));
        expect(toHex(emvCommonSessionKey(key, changed))).toBe(toHex(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('builds R = ATC || 00 00 00 00 00 00', () => {
    expect(toHex(emvAtcDiversifier(fromHex('ABCD')))).toBe('ABCD000000000000');
  });

  it('rejects bad lengths, naming the argument', () => {
    expectCryptoError(() => emvCommonSessionKey(mk.subarray(0, 8), fromHex('001C000000000000')), 'CRYPTO_ERR_KEY_LENGTH', 'iccMasterKey', [toHex(mk.subarray(0, 8))]);
    expectCryptoError(() => emvCommonSessionKey(Buffer.concat([mk, mk.subarray(0, 8)]), fromHex('001C000000000000')), 'CRYPTO_ERR_KEY_LENGTH', 'iccMasterKey', [toHex(mk)]);
    for (const r of ['001C0000000000', '001C00000000000000', '']) {
      expectCryptoError(() => emvCommonSessionKey(mk, fromHex(r)), 'CRYPTO_ERR_ARGUMENT', 'r', [toHex(mk)]);
    }
    for (const atc of ['1C', '001C00', '']) {
      expectCryptoError(() => emvAtcDiversifier(fromHex(atc)), 'CRYPTO_ERR_EMV_ATC', 'atc');
    }
  });
});

describe('emvVisaSmSessionKey', () => {
  // pyemv pyemv/kd.py derive_visa_sm_sk docstring
  it('matches the pyemv documented example', () => {
    expect(toHex(emvVisaSmSessionKey(mk, fromHex('001C')))).toBe('0123456789ABCDF2FEDCBA987654CDF2');
  });

  // Computed with pyemv kd.derive_visa_sm_sk (knovichikhin/pyemv cf6b82d). ATC 0000 and 0001 give
  // the same key: the ATC's lowest bit lands on a parity bit.
  it.each([
    ['0000', '0123456789ABCDEFFEDCBA987654CDEF'],
    ['0001', '0123456789ABCDEFFEDCBA987654CDEF'],
    ['8000', '0123456789AB4CEFFEDCBA9876544CEF'],
    ['FFFF', '0123456789AB3210FEDCBA9876543210'],
  ])('ATC %s', (atc, expected) => {
    expect(toHex(emvVisaSmSessionKey(mk, fromHex(atc)))).toBe(expected);
  });

  // pyemv tests/test_kd_hsm.py test_derive_visa_sm_sk and tests/test_cvn_hsm.py (Visa CVN 10 / 18)
  it('matches the pyemv secure-messaging chain for Visa CVN 10 / 18', () => {
    const smi = emvDeriveIccMasterKey(fromHex('FEDCBA98765432100123456789ABCDEF'), '1234567890123456', '00', 'B');
    expect(kcv2(smi)).toBe('F010');
    expect(kcv2(emvVisaSmSessionKey(smi, fromHex('001C')))).toBe('DB10');
    const smc = emvDeriveIccMasterKey(fromHex('89ABCDEF0123456776543210FEDCBA98'), '1234567890123456', '00', 'A');
    expect(kcv2(emvVisaSmSessionKey(smc, fromHex('001C')))).toBe('6D04');
  });

  it('only touches the last two bytes of each half, then sets parity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 2, maxLength: 2 }), (key, atc) => {
        const derived = emvVisaSmSessionKey(key, atc);
        expect(isOddParity(derived)).toBe(true);
        const parityFree = (bytes: Uint8Array): string => toHex(Uint8Array.from(bytes, (byte) => byte & 0xfe));
        expect(parityFree(derived.subarray(0, 6))).toBe(parityFree(key.subarray(0, 6)));
        expect(parityFree(derived.subarray(8, 14))).toBe(parityFree(key.subarray(8, 14)));
        expect((derived[6] as number) & 0xfe).toBe(((key[6] as number) ^ (atc[0] as number)) & 0xfe);
        expect((derived[15] as number) & 0xfe).toBe(((key[15] as number) ^ (atc[1] as number) ^ 0xff) & 0xfe);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad lengths', () => {
    expectCryptoError(() => emvVisaSmSessionKey(mk.subarray(0, 8), fromHex('001C')), 'CRYPTO_ERR_KEY_LENGTH', 'iccMasterKey');
    for (const atc of ['1C', '001C00']) {
      expectCryptoError(() => emvVisaSmSessionKey(mk, fromHex(atc)), 'CRYPTO_ERR_EMV_ATC', 'atc', [toHex(mk)]);
    }
  });
});

describe('emvTreeSessionKey (EMV2000 tree)', () => {
  const treeKey = fromHex('0123456789ABCDEF0123456789ABCDEF');
  const zeros = '00000000000000000000000000000000';
  const f0s = 'F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0';

  // pyemv pyemv/kd.py derive_emv2000_tree_sk docstring
  it('matches the pyemv documented example (defaults: height 8, branch factor 4, zero IV)', () => {
    expect(toHex(emvTreeSessionKey(mk, fromHex('001C')))).toBe('E5BF6D1067F194B0A89B7F5D83BC64A2');
    expect(toHex(emvTreeSessionKey(mk, fromHex('001C'), { height: 8, branchFactor: 4, iv: Buffer.alloc(16) }))).toBe('E5BF6D1067F194B0A89B7F5D83BC64A2');
  });

  // pyemv tests/test_kd_hsm.py test_derive_emv2000_tree_sk
  it.each([
    ['0000', 8, 4, zeros, '80BF3145AECB948A5201DAB9EF469875'],
    ['0000', 8, 4, f0s, 'DC31BC40B3AB8F73F2E3DA5EBF9DE59B'],
    ['0000', 16, 2, zeros, '86AD9732D5A192A749ADCE31919DAE8A'],
    ['0000', 16, 2, f0s, '7C57A15261202A101C6DA29B16672A3E'],
    ['00FF', 8, 4, zeros, '981F9D208AE6132CBC8A7C97F42A5445'],
    ['00FF', 8, 4, f0s, 'D579C8A4927589017FA1739B2C853BAD'],
    ['00FF', 16, 2, zeros, '1F54F492EF104580B0F4B0F8910D0438'],
    ['00FF', 16, 2, f0s, '2086F81AAB731FF8CED9BF6DA7191CA2'],
    ['FFFF', 8, 4, zeros, 'D93D7A6B70F867615D4AAB79BF235B62'],
    ['FFFF', 8, 4, f0s, 'A10EA78F2F1ACE203B3B402F6EE6CB29'],
    ['FFFF', 16, 2, zeros, 'F83E499EF786C20BC41310A176E3F84F'],
    ['FFFF', 16, 2, f0s, '73E3B0A1406E5E4908D5804C4970E520'],
  ])('ATC %s, height %i, branch factor %i, IV %s', (atc, height, branchFactor, iv, expected) => {
    expect(toHex(emvTreeSessionKey(treeKey, fromHex(atc), { height, branchFactor, iv: fromHex(iv) }))).toBe(expected);
  });

  // Computed with pyemv kd.derive_emv2000_tree_sk (knovichikhin/pyemv cf6b82d) for unusual shapes:
  // one level (the IV is the grandparent), a branch factor needing two bytes, odd factors.
  it.each([
    ['1234', 2, 256, 'C21540CEE307EA85E043D34F6E082C16'],
    ['ABCD', 1, 65536, '6D08522A8C8A46C1AE521075D97C9119'],
    ['0005', 3, 41, 'AB5B4CC1F75EDCA846730D2302D36216'],
    ['FFFE', 17, 2, '49167010E0DAD6450B3737C75E83C15E'],
  ])('ATC %s, height %i, branch factor %i, IV 0011…EEFF', (atc, height, branchFactor, expected) => {
    const iv = fromHex('00112233445566778899AABBCCDDEEFF');
    expect(toHex(emvTreeSessionKey(treeKey, fromHex(atc), { height, branchFactor, iv }))).toBe(expected);
  });

  it('rejects trees with fewer leaves than ATC values, and other bad input', () => {
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('FFFF'), { height: 15, branchFactor: 2 }), 'CRYPTO_ERR_ARGUMENT', 'height', [toHex(mk)]);
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('FFFF'), { height: 7, branchFactor: 4 }), 'CRYPTO_ERR_ARGUMENT', 'height');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('0001'), { height: 0, branchFactor: 4 }), 'CRYPTO_ERR_ARGUMENT', 'height');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('0001'), { height: 8.5 }), 'CRYPTO_ERR_ARGUMENT', 'height');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('0001'), { branchFactor: 1, height: 64 }), 'CRYPTO_ERR_ARGUMENT', 'branchFactor');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('0001'), { branchFactor: 65537, height: 1 }), 'CRYPTO_ERR_ARGUMENT', 'branchFactor');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('0001'), { iv: Buffer.alloc(8) }), 'CRYPTO_ERR_IV_LENGTH', 'iv');
    expectCryptoError(() => emvTreeSessionKey(mk, fromHex('000001')), 'CRYPTO_ERR_EMV_ATC', 'atc');
    expectCryptoError(() => emvTreeSessionKey(mk.subarray(0, 8), fromHex('0001')), 'CRYPTO_ERR_KEY_LENGTH', 'iccMasterKey');
  });
});
