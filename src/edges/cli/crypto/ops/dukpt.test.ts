import { describe, expect, it } from 'vitest';
import { runOp } from '../run-op.js';
import { BastionError } from '../../../../lib/errors/index.js';

/** How dukpt.derive chooses its scheme and working key type, and what it refuses. */
function failure(args: Record<string, unknown>): BastionError {
  try {
    runOp('dukpt.derive', args);
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error('dukpt.derive did not fail');
}

const tdesBdk = '0123456789ABCDEFFEDCBA9876543210';
const aes128Bdk = 'FEDCBA9876543210F1F1F1F1F1F1F1F1';
const aes256Bdk = 'FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1';

describe('dukpt.derive', () => {
  it('gives the same result whether the scheme is named or chosen by the KSN length', () => {
    const tdesArgs = { bdk: tdesBdk, ksn: 'FFFF9876543210E00002' };
    expect(runOp('dukpt.derive', { ...tdesArgs, scheme: 'tdes' })).toEqual(runOp('dukpt.derive', tdesArgs));
    // X9.24-1-2009 A.4.2, counter 2.
    expect(runOp('dukpt.derive', tdesArgs).transactionKey).toBe('C46551CEF9FD24B0AA9AD834130D3BC7');
    const aesArgs = { bdk: aes128Bdk, ksn: '123456789012345600000002' };
    expect(runOp('dukpt.derive', { ...aesArgs, scheme: 'aes' })).toEqual(runOp('dukpt.derive', aesArgs));
    // X9.24-3-2017 supplement, AES-128 BDK, counter 2.
    expect(runOp('dukpt.derive', aesArgs).pinKey).toBe('D30BDC73EC9714B000BEC66BDB7B6D09');
  });

  it('derives AES-256 working keys by default from an AES-256 BDK', () => {
    // X9.24-3-2017 supplement, AES-256 BDK, counter 1, AES-256 PIN key.
    const result = runOp('dukpt.derive', { bdk: aes256Bdk, ksn: '123456789012345600000001' });
    expect(result.pinKey).toBe('8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502');
    expect(result.hmacGenerationKey).toHaveLength(64);
  });

  it('leaves out the HMAC keys for TDES working key types', () => {
    const result = runOp('dukpt.derive', { bdk: aes128Bdk, ksn: '123456789012345600000001', workingKeyType: 'tdes2' });
    expect(Object.keys(result).sort()).toEqual(
      ['dataDecryptionKey', 'dataEncryptionKey', 'initialKey', 'macGenerationKey', 'macVerificationKey', 'pinKey', 'transactionKey'].sort(),
    );
    // Generated with the ASC X9 X9.24-3-2017 reference algorithm (see the library tests).
    expect(result.pinKey).toBe('630C706D9546E47D4449313F61C4D4AB');
  });

  it('refuses a KSN of neither length, and a KSN that does not fit the named scheme', () => {
    const neither = failure({ bdk: tdesBdk, ksn: 'FFFF9876543210E0000001' });
    expect([neither.code, neither.details.argument]).toEqual(['CRYPTO_ERR_KSN', 'ksn']);
    const mismatch = failure({ bdk: aes128Bdk, ksn: '123456789012345600000001', scheme: 'tdes' });
    expect([mismatch.code, mismatch.details.argument]).toEqual(['CRYPTO_ERR_KSN', 'ksn']);
  });

  it('refuses a working key type with TDES DUKPT', () => {
    const error = failure({ bdk: tdesBdk, ksn: 'FFFF9876543210E00001', workingKeyType: 'tdes2' });
    expect([error.code, error.details.argument]).toEqual(['CLI_ERR_ARGUMENT_INVALID', 'workingKeyType']);
  });

  it('refuses a working key stronger than the BDK', () => {
    const error = failure({ bdk: aes128Bdk, ksn: '123456789012345600000001', workingKeyType: 'aes256' });
    expect([error.code, error.details.argument]).toEqual(['CRYPTO_ERR_ALGORITHM', 'workingKeyType']);
    expect(error.message).not.toContain(aes128Bdk);
  });

  it('refuses counters the standards exclude', () => {
    const zero = failure({ bdk: tdesBdk, ksn: 'FFFF9876543210E00000' });
    expect([zero.code, zero.details.argument]).toEqual(['CRYPTO_ERR_KSN_COUNTER', 'ksn']);
    const seventeenBits = failure({ bdk: aes128Bdk, ksn: '12345678901234560001FFFF' });
    expect([seventeenBits.code, seventeenBits.details.argument]).toEqual(['CRYPTO_ERR_KSN_COUNTER', 'ksn']);
  });

  it('refuses a BDK of the wrong length for the scheme', () => {
    const error = failure({ bdk: aes256Bdk, ksn: 'FFFF9876543210E00001' });
    expect([error.code, error.details.argument]).toEqual(['CRYPTO_ERR_KEY_LENGTH', 'bdk']);
    expect(error.message).not.toContain(aes256Bdk.slice(0, 16));
  });
});
