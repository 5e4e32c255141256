import { describe, expect, it } from 'vitest';
import { BastionError } from './bastion-error.js';
import { errorCodeOf } from './error-code.js';

describe('errorCodeOf', () => {
  it('gives a Bastion error\'s code, a system error\'s code, else unknown; never the message', () => {
    expect(errorCodeOf(new BastionError('STORE_ERR_DURABILITY', 'the disk refused'))).toBe('STORE_ERR_DURABILITY');
    expect(errorCodeOf(Object.assign(new Error('open /data/4761739001010010'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 5 }))).toBe('unknown');
    expect(errorCodeOf(new Error('4761739001010010'))).toBe('unknown');
    expect(errorCodeOf('EIO')).toBe('unknown');
    expect(errorCodeOf(null)).toBe('unknown');
  });
});
