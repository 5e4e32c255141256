import { describe, expect, it } from 'vitest';
import { BastionError } from '../../../../lib/errors/index.js';
import { runOp } from '../run-op.js';

/** How the mac operation picks ciphers and options, and what it refuses. */
function failure(args: Record<string, unknown>): BastionError {
  try {
    runOp('mac', args);
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error('mac did not fail');
}

const nowIsTheTimeForAll = '4E6F77206973207468652074696D6520666F7220616C6C20';
const tdesKey = '0123456789ABCDEFFEDCBA9876543210';

describe('mac', () => {
  it('algorithm 1 picks DES for an 8-byte key and TDES for 16 or 24 bytes', () => {
    // ISO 9797-1 Annex B: DES, padding methods 2 and 3 (leftmost 4 bytes published).
    expect((runOp('mac', { algorithm: 'iso9797-1-alg1', key: '0123456789ABCDEF', data: nowIsTheTimeForAll, padding: 2 }).mac as string).slice(0, 8)).toBe('10E1F0F1');
    expect((runOp('mac', { algorithm: 'iso9797-1-alg1', key: '0123456789ABCDEF', data: nowIsTheTimeForAll, padding: '3' }).mac as string).slice(0, 8)).toBe('2C58FB8F');
    // psec/mac.py generate_cbc_mac docstring: TDES, padding method 2.
    expect(runOp('mac', { algorithm: 'iso9797-1-alg1', key: tdesKey, data: '1234567890ABCDEF', padding: 2 })).toEqual({ mac: '925B1737EF681AD3' });
    // A 24-byte key with K3 = K1 is the 16-byte key.
    expect(runOp('mac', { algorithm: 'iso9797-1-alg1', key: `${tdesKey}0123456789ABCDEF`, data: '1234567890ABCDEF', padding: 2 })).toEqual({ mac: '925B1737EF681AD3' });
  });

  it('the retail MAC defaults to padding method 1 and takes methods 2 and 3', () => {
    // ISO 9797-1:2011 Annex B.4.
    expect(runOp('mac', { algorithm: 'iso9797-1-alg3', key: tdesKey, data: nowIsTheTimeForAll })).toEqual({ mac: 'A1C72E74EA3FA9B6' });
    expect(runOp('mac', { algorithm: 'iso9797-1-alg3', key: tdesKey, data: nowIsTheTimeForAll, padding: 2 })).toEqual({ mac: 'E9086230CA3BE796' });
  });

  it('CMAC of empty data (RFC 4493 example 1, SP 800-38B D.4 three-key TDEA)', () => {
    expect(runOp('mac', { algorithm: 'aes-cmac', key: '2B7E151628AED2A6ABF7158809CF4F3C', data: '' })).toEqual({ mac: 'BB1D6929E95937287FA37D129B756746' });
    expect(runOp('mac', { algorithm: 'tdes-cmac', key: '8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5', data: '' })).toEqual({ mac: 'B7A688E122FFAF95' });
  });

  it('unionpay-ecb: des-left is the default and differs from tdes when the halves differ', () => {
    const data = '0200302004C020C09811000000000000';
    const byDefault = runOp('mac', { algorithm: 'unionpay-ecb', key: tdesKey, data });
    expect(byDefault).toEqual(runOp('mac', { algorithm: 'unionpay-ecb', key: tdesKey, data, variant: 'des-left' }));
    expect(byDefault).toEqual(runOp('mac', { algorithm: 'unionpay-ecb', key: '0123456789ABCDEF', data }));
    expect(byDefault).not.toEqual(runOp('mac', { algorithm: 'unionpay-ecb', key: tdesKey, data, variant: 'tdes' }));
    expect(byDefault.mac).toMatch(/^(3[0-9]|4[1-6]){8}$/);
  });

  it('refuses options that do not apply, and bad keys, naming the argument and not the key', () => {
    const padding = failure({ algorithm: 'aes-cmac', key: '2B7E151628AED2A6ABF7158809CF4F3C', data: '00', padding: 2 });
    expect([padding.code, padding.details.argument]).toEqual(['CLI_ERR_ARGUMENT_INVALID', 'padding']);
    const variant = failure({ algorithm: 'iso9797-1-alg3', key: tdesKey, data: '00', variant: 'tdes' });
    expect([variant.code, variant.details.argument]).toEqual(['CLI_ERR_ARGUMENT_INVALID', 'variant']);
    const alg1Key = failure({ algorithm: 'iso9797-1-alg1', key: '0123456789ABCDEFFEDCBA98', data: '00' });
    expect([alg1Key.code, alg1Key.details.argument]).toEqual(['CRYPTO_ERR_KEY_LENGTH', 'key']);
    expect(alg1Key.message).not.toContain('01234567');
    const alg3Key = failure({ algorithm: 'iso9797-1-alg3', key: '0123456789ABCDEF', data: '00' });
    expect([alg3Key.code, alg3Key.details.argument]).toEqual(['CRYPTO_ERR_KEY_LENGTH', 'key']);
    const tdesVariant = failure({ algorithm: 'unionpay-ecb', key: '0123456789ABCDEF', data: '00', variant: 'tdes' });
    expect([tdesVariant.code, tdesVariant.details.argument]).toEqual(['CRYPTO_ERR_KEY_LENGTH', 'key']);
    const badPadding = failure({ algorithm: 'iso9797-1-alg1', key: '0123456789ABCDEF', data: '00', padding: 4 });
    expect([badPadding.code, badPadding.details.argument]).toEqual(['CLI_ERR_ARGUMENT_INVALID', 'padding']);
    const cmacKey = failure({ algorithm: 'tdes-cmac', key: '0123456789ABCDEF', data: '00' });
    expect([cmacKey.code, cmacKey.details.argument]).toEqual(['CRYPTO_ERR_KEY_LENGTH', 'key']);
    expect(cmacKey.message).not.toContain('0123456789ABCDEF');
  });
});
