import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testCard, testCardTrack2 } from '../../adapters/network/issuer-simulator/index.js';
import { decryptEcb, PinBlockCipher, verifyUnionPayEcbMac } from '../../lib/crypto/index.js';
import { financialRequest, nextTrace, packWithMac, signInRequest, simulatorCodec, type CardPresented } from './messages.js';
import { encipherTrack2 } from './track-cipher.js';

const identity = { terminalId: '10000001', merchantId: '102581054110001', batchNumber: '000007' };
const card = testCard('approve-chip-pin');
const presented: CardPresented = { pan: card.pan, expiry: card.expiry, track2: testCardTrack2(card), entry: 'chip', panSequenceNumber: '01', field55: Buffer.from('9F36020001', 'hex') };

describe('terminal simulator messages', () => {
  it('counts traces 1 to 999999 and wraps to 1, never 0', () => {
    expect(nextTrace(0)).toBe(1);
    expect(nextTrace(41)).toBe(42);
    expect(nextTrace(999_998)).toBe(999_999);
    expect(nextTrace(999_999)).toBe(1);
  });

  it('builds the sign-in 0800 with 60 = 00 / batch / 004 and operator 01', () => {
    const message = signInRequest(identity, 12);
    const unpacked = simulatorCodec.unpack(simulatorCodec.pack(message));
    expect(unpacked.mti).toBe('0800');
    expect(unpacked.get(11)).toBe('000012');
    expect(unpacked.get(60)).toEqual({ typeCode: '00', batchNumber: '000007', networkCode: '004' });
    expect(unpacked.get(63)).toEqual({ code: '01 ' });
    expect(unpacked.get(64)).toBeUndefined();
  });

  it('builds a chip sale with PIN: 22 051, 26, 52 format 0 under the PIK, 53 clear tracks, 55, 60.1 22, and a MAC that verifies', () => {
    const pik = randomBytes(16);
    const mak = randomBytes(8);
    const message = financialRequest({ identity, kind: 'sale', trace: 3, amountMinor: 1_234n, card: presented, pin: { digits: '1234', pik } });
    const packed = packWithMac(message, mak, 'des-left');
    const unpacked = simulatorCodec.unpack(packed);
    expect(unpacked.mti).toBe('0200');
    expect([unpacked.get(3), unpacked.get(4), unpacked.get(11), unpacked.get(22), unpacked.get(23), unpacked.get(25), unpacked.get(26), unpacked.get(49), unpacked.get(53)]).toEqual(['000000', '000000001234', '000003', '051', '001', '00', '12', '156', '2600000000000000']);
    expect(unpacked.get(35)).toBe(testCardTrack2(card));
    expect(unpacked.get(2)).toBeUndefined();
    expect(unpacked.get(60)).toMatchObject({ typeCode: '22', batchNumber: '000007' });
    expect(new PinBlockCipher(0, pik).decrypt(unpacked.get(52) ?? Buffer.alloc(8), card.pan)).toBe('1234');
    expect(() => { verifyUnionPayEcbMac(mak, packed.subarray(0, packed.length - 8), unpacked.get(64) ?? Buffer.alloc(8)); }).not.toThrow();
  });

  it('builds a balance inquiry (310000, 60.1 01, no amount) and a swipe without PIN (022, no 26, 52, 53, 55)', () => {
    const balance = simulatorCodec.unpack(simulatorCodec.pack(financialRequest({ identity, kind: 'balance-inquiry', trace: 4, amountMinor: 0n, card: presented })));
    expect([balance.get(3), balance.get(4), balance.get(60)?.typeCode, balance.get(22)]).toEqual(['310000', undefined, '01', '052']);
    const swipe = simulatorCodec.unpack(simulatorCodec.pack(financialRequest({ identity, kind: 'sale', trace: 5, amountMinor: 1n, card: { ...presented, entry: 'swipe' } })));
    expect([swipe.get(22), swipe.get(23), swipe.get(26), swipe.get(52), swipe.get(53), swipe.get(55)]).toEqual(['022', undefined, undefined, undefined, undefined, undefined]);
    const tap = simulatorCodec.unpack(simulatorCodec.pack(financialRequest({ identity, kind: 'sale', trace: 6, amountMinor: 1n, card: { ...presented, entry: 'contactless' } })));
    expect(tap.get(22)).toBe('072');
  });

  it('enciphers track 2 under the TDK in the UnionPay layout and then sends 2, 14 and 53 = 2610…', () => {
    const tdk = randomBytes(16);
    const message = financialRequest({ identity, kind: 'sale', trace: 7, amountMinor: 1n, card: presented, trackKey: tdk });
    const packed = simulatorCodec.pack(message);
    const unpacked = simulatorCodec.unpack(packed);
    expect([unpacked.get(2), unpacked.get(14), unpacked.get(53)]).toEqual([card.pan, card.expiry, '2610000000000000']);
    const enciphered = unpacked.get(35) ?? '';
    const clear = testCardTrack2(card);
    expect(enciphered).toHaveLength(clear.length);
    expect(enciphered).not.toBe(clear);
    // Decipher the block [length − 9, length − 1) of the packed BCD: the clear track comes back.
    const nibbles = (text: string): Buffer => Buffer.from((text.length % 2 === 0 ? text : `${text}0`).replace(/=/g, 'D'), 'hex');
    const bytes = nibbles(enciphered);
    const start = bytes.length - 9;
    bytes.set(decryptEcb('tdes', tdk, bytes.subarray(start, start + 8)), start);
    expect(bytes.equals(nibbles(clear))).toBe(true);
    expect(encipherTrack2(clear, tdk)).toBe(enciphered);
  });
});
