import { describe, expect, it } from 'vitest';
import { isBastionError } from '../errors/index.js';
import { fromHex, toHex } from './bytes.js';
import { defaultKcvMethod, keyCheckValue } from './kcv.js';
import { cmac } from './mac/cmac.js';

describe('keyCheckValue', () => {
  it('TDES / DES encrypt a zero block (ANSI X9.24-1 legacy KCV)', () => {
    // psec/des.py generate_kcv docstring: 0123456789ABCDEFFEDCBA9876543210 → 08D7 (2 bytes).
    expect(toHex(keyCheckValue('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), { lengthBytes: 2 }))).toBe('08D7');
    expect(toHex(keyCheckValue('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210')))).toBe('08D7B4');
    // openemv/tr31 src/CMakeLists.txt tr31-tool tests: TDES keys with their legacy KCVs.
    expect(toHex(keyCheckValue('tdes', fromHex('1FA1F7CEC798D91545DA8AE0C7796BD9')))).toBe('FF5087');
    expect(toHex(keyCheckValue('tdes', fromHex('BF82DAC6A33DF92CE66E15B70E5DCEB6')))).toBe('0169E3');
    expect(toHex(keyCheckValue('tdes', fromHex('EDB380DD340BC2620247D445F5B8D678')))).toBe('F4B08D');
  });

  it('single DES: the FIPS 81 key encrypts zeros to D5D44FF720683D0D', () => {
    // DES(0123456789ABCDEF, 0000000000000000) = D5D44FF720683D0D (a standard DES known answer,
    // also the component KCV D5D44F of the key.combine calculator example).
    expect(toHex(keyCheckValue('des', fromHex('0123456789ABCDEF'), { lengthBytes: 8 }))).toBe('D5D44FF720683D0D');
    expect(toHex(keyCheckValue('des', fromHex('0123456789ABCDEF')))).toBe('D5D44F');
  });

  it('AES: the CMAC of a zero block (X9.24-1:2017 / TR-31 optional block KP/KC "CMAC based KCV")', () => {
    // openemv/tr31 src/CMakeLists.txt tr31-tool tests: AES keys printed with 5-byte CMAC KCVs.
    expect(toHex(keyCheckValue('aes', fromHex('3F419E1CB7079442AA37474C2EFBF8B8'), { lengthBytes: 5 }))).toBe('08793E25AB');
    expect(toHex(keyCheckValue('aes', fromHex('6189A1111AAB43DC8BEAEEAE29799C4212070D66F8933EFACE8879C7DB609DEA'), { lengthBytes: 5 }))).toBe(
      '69EBA40B13',
    );
    expect(toHex(keyCheckValue('aes', fromHex('BE19E6A07A760F10EF8E83A226B63AAD141F463FDDD4F47DB244B4023EC3CACC'), { lengthBytes: 5 }))).toBe(
      '0A00E31EEB',
    );
  });

  it('either method can be asked for explicitly', () => {
    // AES-128 of a zero block under key 000102...0F is C6A13B37878F5B826F4F8162A1C8D879 (the
    // aes_ecb_vectors of Apple corecrypto's tests and Bouncy Castle's AESNativeCTR self-test).
    expect(toHex(keyCheckValue('aes', fromHex('000102030405060708090A0B0C0D0E0F'), { method: 'encrypt-zeros', lengthBytes: 8 }))).toBe('C6A13B37878F5B82');
    // TDES by CMAC is the CMAC (checked against SP 800-38B in mac/cmac.test.ts) of one zero block.
    const tdesKey = fromHex('4CF15134A2850DD58A3D10BA80570D38');
    expect(keyCheckValue('tdes', tdesKey, { method: 'cmac', lengthBytes: 8 })).toEqual(cmac('tdes', tdesKey, Buffer.alloc(8)));
    expect(defaultKcvMethod('tdes')).toBe('encrypt-zeros');
    expect(defaultKcvMethod('des')).toBe('encrypt-zeros');
    expect(defaultKcvMethod('aes')).toBe('cmac');
    expect(defaultKcvMethod('sm4')).toBe('cmac');
  });

  it('rejects a KCV length outside 2 to 8 bytes, naming the argument', () => {
    for (const lengthBytes of [1, 9, 2.5]) {
      try {
        keyCheckValue('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), { lengthBytes });
        expect.unreachable();
      } catch (error) {
        expect(isBastionError(error) && error.code).toBe('CRYPTO_ERR_KCV_LENGTH');
        expect(isBastionError(error) && error.details.argument).toBe('length');
        expect(String(error)).not.toContain('0123456789');
      }
    }
  });

  it('rejects a key of the wrong length without echoing it', () => {
    try {
      keyCheckValue('aes', fromHex('0123456789ABCDEFFEDCBA98'));
      expect.unreachable();
    } catch (error) {
      expect(isBastionError(error) && error.code).toBe('CRYPTO_ERR_KEY_LENGTH');
      expect(isBastionError(error) && error.details.argument).toBe('key');
      expect(String(error)).not.toContain('01234567');
    }
  });
});
