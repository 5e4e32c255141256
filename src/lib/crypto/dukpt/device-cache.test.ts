import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { AesDukptHost, deriveAesDukptKeys } from './aes-dukpt.js';
import { DeviceWalkCache } from './device-cache.js';
import { deriveTdesDukptKeys, TdesDukptHost } from './tdes-dukpt.js';

const tdesBdk = fromHex('0123456789ABCDEFFEDCBA9876543210');
const aesBdk = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1');

function tdesKsn(device: number, counter: number): Buffer {
  const ksn = fromHex('FFFF9876543210E00000');
  ksn.writeUInt16BE(device, 3);
  ksn[7] = ((ksn[7] as number) & 0xe0) | (counter >>> 16);
  ksn[8] = (counter >>> 8) & 0xff;
  ksn[9] = counter & 0xff;
  return ksn;
}

function aesKsn(device: number, counter: number): Buffer {
  const ksn = fromHex('123456789012345600000000');
  ksn.writeUInt16BE(device, 4);
  ksn.writeUInt32BE(counter, 8);
  return ksn;
}

const ones = (value: number): number => value.toString(2).replace(/0/g, '').length;
const tdesCounter = fc.integer({ min: 1, max: 0x1fffff }).filter((c) => ones(c) <= 10);
const aesCounter = fc.integer({ min: 1, max: 0xffffffff }).filter((c) => ones(c) <= 16);

describe('DUKPT hosts remembering many devices', () => {
  it('interleaved KSNs from many terminals give the same keys as one-off derivations (TDES)', () => {
    const host = new TdesDukptHost(tdesBdk, { devicesCachedMax: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), tdesCounter), { minLength: 1, maxLength: 40 }), (requests) => {
        for (const [device, counter] of requests) {
          const ksn = tdesKsn(device, counter);
          expect(toHex(host.derivePinKey(ksn))).toBe(toHex(deriveTdesDukptKeys(tdesBdk, ksn).pinKey));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('interleaved KSNs from many terminals give the same keys as one-off derivations (AES)', () => {
    const host = new AesDukptHost(aesBdk, { devicesCachedMax: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), aesCounter), { minLength: 1, maxLength: 25 }), (requests) => {
        for (const [device, counter] of requests) {
          const ksn = aesKsn(device, counter);
          expect(toHex(host.derivePinKey(ksn))).toBe(toHex(deriveAesDukptKeys(aesBdk, ksn).pinKey));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keeps at most devicesMax devices, dropping the least recently used', () => {
    const cache = new DeviceWalkCache<string>(2);
    const made: string[] = [];
    const create = (id: string) => () => {
      made.push(id);
      return { initialKey: id, step: (key: string) => key };
    };
    cache.device('a', create('a'));
    cache.device('b', create('b'));
    cache.device('a', create('a')); // a is now the most recent
    cache.device('c', create('c')); // evicts b
    cache.device('a', create('a'));
    cache.device('b', create('b')); // b again: recreated, evicts c
    expect(made).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });

  it('refuses a nonsensical bound with a coded error', () => {
    expect(() => new TdesDukptHost(tdesBdk, { devicesCachedMax: 0 })).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_ARGUMENT' }));
  });
});
