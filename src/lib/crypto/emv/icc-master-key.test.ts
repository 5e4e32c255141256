import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptEcb } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { adjustOddParity, isOddParity } from '../des-parity.js';
import { keyCheckValue } from '../kcv.js';
import { emvDeriveIccMasterKey, EmvIssuerMasterKey } from './icc-master-key.js';
import { expectCryptoError } from '../test-helpers.js';

const imk = fromHex('0123456789ABCDEFFEDCBA9876543210');

describe('emvDeriveIccMasterKey, option A', () => {
  // pyemv pyemv/kd.py module and derive_icc_mk_a docstrings
  it('matches the pyemv documented examples', () => {
    expect(toHex(emvDeriveIccMasterKey(imk, '99012345678901234', '45', 'A'))).toBe('67F8292358083E5EA7AB7FDA58D53B6B');
    expect(toHex(emvDeriveIccMasterKey(imk, '12345678901234567', '01', 'A'))).toBe('73AD54688CEF2934B0979857E3C719F1');
  });

  // pyemv tests: check digits of the derived keys (tools.key_check_digits, 2 bytes)
  it.each([
    ['0123456789ABCDEFFEDCBA9876543210', '12345678901234567', '45', 'FF08'], // tests/test_kd_hsm.py test_derive_icc_mk_a_psn
    ['0123456789ABCDEFFEDCBA9876543210', '9901234567890123', '45', '1DA5'], // tests/test_ac_hsm.py
    ['0123456789ABCDEFFEDCBA9876543210', '1234567890123456', '00', 'BAB0'], // tests/test_cvn_hsm.py icc_mk_ac
    ['FEDCBA98765432100123456789ABCDEF', '1234567890123456', '00', 'F010'], // tests/test_cvn_hsm.py icc_mk_smi
    ['89ABCDEF0123456776543210FEDCBA98', '1234567890123456', '00', 'B154'], // tests/test_cvn_hsm.py icc_mk_smc
  ])('IMK %s, PAN %s, PSN %s has check digits %s', (issuerKey, pan, psn, kcv) => {
    const key = emvDeriveIccMasterKey(fromHex(issuerKey), pan, psn, 'A');
    expect(toHex(keyCheckValue('tdes', key, { lengthBytes: 2 }))).toBe(kcv);
  });

  // Computed with pyemv kd.derive_icc_mk_a (knovichikhin/pyemv cf6b82d) for PAN lengths 13 to 19.
  it.each([
    ['4761739001010', '00', '92455E915740F8431A45F4DAF2D96DE6'],
    ['4761739001010', '01', 'E00D1910E0B0702C758589B331B5C451'],
    ['47617390010101', '01', 'C7A7629D329131BA15E05ECEF82C75C8'],
    ['476173900101010', '00', 'A1E946DC643D377CE3FE3DFB26C251B0'],
    ['4761739001010119', '01', '80A89B585BBF64C2F12915BF578FABE0'],
    ['54133300890200011', '00', 'CB405223C7EF4AC75E752FDA9716A164'],
    ['541333008902000112', '01', 'CBB397C4ADB90E3764A8B0799E299D7A'],
    ['6011000990139424190', '00', 'BC1FC7015713E90B234CB02A40E6499B'],
    ['1234567890123456789', '01', '68FBA7045B25E50B9E43915D944A6BC2'],
  ])('PAN %s PSN %s', (pan, psn, expected) => {
    expect(toHex(emvDeriveIccMasterKey(imk, pan, psn, 'A'))).toBe(expected);
  });

  it('follows the Annex A1.4.1 definition: rightmost 16 digits of PAN || PSN, zero-filled', () => {
    // 13-digit PAN: Y = 0 || PAN || PSN; 19-digit PAN: Y = last 14 PAN digits || PSN.
    const cases: [string, string, string][] = [
      ['4761739001010', '01', '0476173900101001'],
      ['1234567890123456789', '45', '6789012345678945'],
    ];
    for (const [pan, psn, y] of cases) {
      const block = fromHex(y);
      const expected = adjustOddParity(encryptEcb('tdes', imk, Buffer.concat([block, block.map((byte) => byte ^ 0xff)])));
      expect(toHex(emvDeriveIccMasterKey(imk, pan, psn, 'A'))).toBe(toHex(expected));
    }
  });

  it('always returns a 16-byte key with odd parity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.stringMatching(/^[0-9]{12,19}$/), fc.stringMatching(/^[0-9]{2}$/), fc.constantFrom('A' as const, 'B' as const), (key, pan, psn, option) => {
        const derived = emvDeriveIccMasterKey(key, pan, psn, option);
        expect(derived.length).toBe(16);
        expect(isOddParity(derived)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('emvDeriveIccMasterKey, option B', () => {
  // pyemv pyemv/kd.py derive_icc_mk_b docstring
  it('matches the pyemv documented example (17-digit PAN)', () => {
    expect(toHex(emvDeriveIccMasterKey(imk, '12345678901234567', '01', 'B'))).toBe('AD406D7F6D7570916D75E5DCAB8CF737');
  });

  // pyemv tests/test_kd_hsm.py: check digits of option B keys
  it.each([
    ['12345678901234567', '45', '0BAF'], // test_derive_icc_mk_b_pan17_psn
    ['12345678901234567', '00', '4626'], // test_derive_icc_mk_b_pan17_no_psn
    ['123456789012345679', '00', 'C2F3'], // test_derive_icc_mk_b_pan18
    ['000000000000000005', '23', 'DD73'], // test_derive_icc_mk_b_sha_pad: the hash has fewer than 16 decimal digits
    ['1234567890123456', '00', 'BAB0'], // test_derive_icc_mk_b_pan16: 16 digits fall back to option A
  ])('PAN %s PSN %s has check digits %s', (pan, psn, kcv) => {
    expect(toHex(keyCheckValue('tdes', emvDeriveIccMasterKey(imk, pan, psn, 'B'), { lengthBytes: 2 }))).toBe(kcv);
  });

  // Computed with pyemv kd.derive_icc_mk_b (knovichikhin/pyemv cf6b82d); the last two also pin the
  // full keys behind the pyemv check digits above.
  it.each([
    ['54133300890200011', '00', '343E201507C41383E5E670CE973E2FB5'],
    ['54133300890200011', '01', '8CDA986E1345DAEA1FD9CEE91C768373'],
    ['541333008902000112', '00', '67191FCBCD2A25C808B3F1AEB079975B'],
    ['541333008902000112', '01', '62A162E3C20B46CBF43D4FD95DD59419'],
    ['6011000990139424190', '00', '94259D3E5B5D52542980297526929873'],
    ['6011000990139424190', '01', '8A8A010413C83BC2DC7357088C43F786'],
    ['1234567890123456789', '00', '2F9275316B4FCB2A52A1CB1610DCAEF1'],
    ['1234567890123456789', '01', 'BA382F7FDA3D38FD1CE531348C9EEC25'],
    ['123456789012345679', '00', '1083E9C8A72AA26BDC9B10570B73BACB'],
    ['000000000000000005', '23', '2608BAA2378C92DAE0948A97E0CD230B'],
  ])('PAN %s PSN %s', (pan, psn, expected) => {
    expect(toHex(emvDeriveIccMasterKey(imk, pan, psn, 'B'))).toBe(expected);
  });

  it('is option A for every PAN of 16 digits or fewer (EMV Book 2 A1.4.2)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12,16}$/), fc.stringMatching(/^[0-9]{2}$/), (pan, psn) => {
        expect(toHex(emvDeriveIccMasterKey(imk, pan, psn, 'B'))).toBe(toHex(emvDeriveIccMasterKey(imk, pan, psn, 'A')));
      }),
      { numRuns: 100 },
    );
  });

  it('differs from option A for longer PANs', () => {
    for (const pan of ['54133300890200011', '541333008902000112', '6011000990139424190']) {
      expect(toHex(emvDeriveIccMasterKey(imk, pan, '00', 'B'))).not.toBe(toHex(emvDeriveIccMasterKey(imk, pan, '00', 'A')));
    }
  });
});

describe('emvDeriveIccMasterKey, bad input', () => {
  const pan = '4761739001010119';

  it('rejects issuer keys that are not 16 bytes', () => {
    for (const length of [8, 24, 0]) {
      expectCryptoError(() => emvDeriveIccMasterKey(Buffer.alloc(length, 0x31), pan, '00', 'A'), 'CRYPTO_ERR_KEY_LENGTH', 'issuerMasterKey', [pan]);
    }
  });

  it.each(['12345678901', '12345678901234567890', '476173900101011A', '4761 7390 0101 0119', ''])('rejects the PAN %j', (badPan) => {
    const error = expectCryptoError(() => emvDeriveIccMasterKey(imk, badPan, '00', 'A'), 'CRYPTO_ERR_PAN', 'pan', badPan.length > 0 ? [badPan] : []);
    expect(error.message).not.toContain(toHex(imk));
  });

  it.each(['0', '001', 'A1', '', ' 1'])('rejects the PSN %j', (psn) => {
    expectCryptoError(() => emvDeriveIccMasterKey(imk, pan, psn, 'B'), 'CRYPTO_ERR_EMV_PSN', 'psn', [pan, toHex(imk)]);
  });

  it('rejects an unknown option', () => {
    expectCryptoError(() => emvDeriveIccMasterKey(imk, pan, '00', 'C' as 'A'), 'CRYPTO_ERR_ALGORITHM', 'option', [pan]);
  });
});

describe('EmvIssuerMasterKey (the key schedule kept for many cards)', () => {
  it('matches the pyemv documented examples', () => {
    const issuer = new EmvIssuerMasterKey(imk);
    expect(toHex(issuer.deriveIccMasterKey('99012345678901234', '45', 'A'))).toBe('67F8292358083E5EA7AB7FDA58D53B6B');
    expect(toHex(issuer.deriveIccMasterKey('12345678901234567', '01', 'A'))).toBe('73AD54688CEF2934B0979857E3C719F1');
  });

  it('one instance gives what emvDeriveIccMasterKey gives, card after card, and keeps its own copy of the key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.tuple(fc.stringMatching(/^[0-9]{12,19}$/), fc.stringMatching(/^[0-9]{2}$/), fc.constantFrom('A' as const, 'B' as const)), { minLength: 1, maxLength: 8 }),
        (keyBytes, cards) => {
          const key = Buffer.from(keyBytes);
          const expected = cards.map(([pan, psn, option]) => toHex(emvDeriveIccMasterKey(key, pan, psn, option)));
          const issuer = new EmvIssuerMasterKey(key);
          key.fill(0); // the caller's buffer wiped before the first use: the instance must not care
          expect(cards.map(([pan, psn, option]) => toHex(issuer.deriveIccMasterKey(pan, psn, option)))).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('names its key as asked in errors', () => {
    expectCryptoError(() => new EmvIssuerMasterKey(Buffer.alloc(8), 'imkAc'), 'CRYPTO_ERR_KEY_LENGTH', 'imkAc');
  });
});
