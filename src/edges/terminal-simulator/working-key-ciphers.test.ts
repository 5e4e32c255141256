import { describe, expect, it } from 'vitest';
import { PinBlockCipher, UnionPayEcbMac } from '../../lib/crypto/index.js';
import { terminalMac, terminalPinCipher } from './working-key-ciphers.js';

const data = Buffer.from('0200 a message to MAC, longer than one block', 'latin1');

describe('the terminal\'s working-key ciphers', () => {
  it('keeps one MAC per key and variant, and makes a new one when the key\'s bytes change in place', () => {
    const mak = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
    const first = terminalMac(mak, 'des-left');
    expect(terminalMac(mak, 'des-left')).toBe(first);
    expect(first.compute(data)).toEqual(new UnionPayEcbMac(mak, { variant: 'des-left' }).compute(data));
    const tdes = terminalMac(mak, 'tdes');
    expect(tdes).not.toBe(first);
    expect(tdes.compute(data)).toEqual(new UnionPayEcbMac(mak, { variant: 'tdes' }).compute(data));
    // A new sign-in writing new key bytes into the same buffer: the MAC follows the new key.
    Buffer.from('89ABCDEF0123456776543210FEDCBA98', 'hex').copy(mak);
    expect(terminalMac(mak, 'tdes').compute(data)).toEqual(new UnionPayEcbMac(mak, { variant: 'tdes' }).compute(data));
    expect(terminalMac(mak, 'tdes').compute(data)).not.toEqual(tdes.compute(data));
  });

  it('uses single DES for a single-length MAK whatever the variant', () => {
    const mak = Buffer.from('0123456789ABCDEF', 'hex');
    expect(terminalMac(mak, 'tdes').variant).toBe('des-left');
  });

  it('keeps one PIN block cipher per PIK and follows a PIK changed in place', () => {
    const pik = Buffer.from('11111111111111112222222222222222', 'hex');
    const pan = '6212340000000019';
    const cipher = terminalPinCipher(pik);
    expect(terminalPinCipher(pik)).toBe(cipher);
    expect(cipher.encrypt('1234', pan)).toEqual(new PinBlockCipher(0, pik).encrypt('1234', pan));
    Buffer.from('33333333333333334444444444444444', 'hex').copy(pik);
    expect(terminalPinCipher(pik).encrypt('1234', pan)).toEqual(new PinBlockCipher(0, pik).encrypt('1234', pan));
    expect(terminalPinCipher(pik)).not.toBe(cipher);
  });
});
