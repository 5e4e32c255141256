import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustOddParity,
  emvAtcDiversifier,
  emvCommonSessionKey,
  emvDeriveIccMasterKey,
  EmvCryptogramKey,
  emvVisaSmSessionKey,
  fromHex,
  toHex,
} from '../../lib/crypto/index.js';
import type { EmvCardKeyRequest, EmvSessionKeyDerivation, GenerateArpcRequest, KeyUnderLmk } from '../../ports/hsm.js';
import { CryptogramKeyHandoff } from './cryptogram-key-handoff.js';
import { generateArpc, verifyArqc } from './emv-operations.js';
import { Keyring } from './keyring.js';
import { LocalMasterKey } from './local-master-key.js';
import { expectRejection, flipCiphertextBit, loadKey, testHsm } from './test-hsm.js';

/**
 * verifyArqc with `arpcFollows` leaves the card's cryptogram key for the generateArpc of the same
 * ARQC. These tests hold the ARPC made under the handed-off key to the ARPC of a fresh derivation
 * and to the library's, check that only that one ARPC can take the key, and that a wrong ARQC
 * leaves nothing behind.
 */

const lmk = LocalMasterKey.development();

/** The cryptogram key as the library derives it, outside the HSM. */
function librarySessionKey(imkClear: Buffer, request: EmvCardKeyRequest): Buffer {
  const master = emvDeriveIccMasterKey(imkClear, request.pan, request.psn, request.iccMasterKeyOption ?? 'A');
  switch (request.sessionKey) {
    case 'common': {
      const r = emvAtcDiversifier(request.atc);
      if (request.unpredictableNumber !== undefined) r.set(request.unpredictableNumber, 4);
      return emvCommonSessionKey(master, r);
    }
    case 'visa-sm':
      return emvVisaSmSessionKey(master, request.atc);
    case 'none':
      return master;
  }
}

const digits = (min: number, max: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((list) => list.join(''));
const bytes = (length: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: length, maxLength: length }).map((array) => Buffer.from(array));

const cardArbitrary = fc.record({
  imkClear: bytes(16),
  pan: digits(12, 19),
  psn: digits(2, 2),
  atc: bytes(2),
  sessionKey: fc.constantFrom<EmvSessionKeyDerivation>('common', 'visa-sm', 'none'),
  unpredictableNumber: fc.option(bytes(4), { nil: undefined }),
  iccMasterKeyOption: fc.constantFrom<'A' | 'B'>('A', 'B'),
  padding: fc.constantFrom<1 | 2>(1, 2),
  data: fc.uint8Array({ minLength: 0, maxLength: 64 }).map((array) => Buffer.from(array)),
  arpc: fc.oneof(
    fc.record({ method: fc.constant<1>(1), arc: bytes(2) }),
    fc.record({ method: fc.constant<2>(2), csu: bytes(4), proprietaryAuthData: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 }).map((array) => Buffer.from(array)), { nil: undefined }) }),
  ),
});

type Card = typeof cardArbitrary extends fc.Arbitrary<infer T> ? T : never;

function setUp(keyring: Keyring, card: Card): { cardKey: EmvCardKeyRequest; sessionKey: Buffer; arqc: Buffer; arpcRequest: GenerateArpcRequest } {
  const imkAc = keyring.wrap('IMK-AC', 'tdes-2key', adjustOddParity(Buffer.from(card.imkClear)));
  const cardKey: EmvCardKeyRequest = {
    imkAc,
    pan: card.pan,
    psn: card.psn,
    atc: card.atc,
    sessionKey: card.sessionKey,
    iccMasterKeyOption: card.iccMasterKeyOption,
    ...(card.sessionKey === 'common' && card.unpredictableNumber !== undefined ? { unpredictableNumber: card.unpredictableNumber } : {}),
  };
  const sessionKey = librarySessionKey(adjustOddParity(Buffer.from(card.imkClear)), cardKey);
  const arqc = new EmvCryptogramKey(sessionKey).arqc(card.data, card.padding);
  const arpcRequest: GenerateArpcRequest =
    card.arpc.method === 1
      ? { ...cardKey, arqc, method: 1, arc: card.arpc.arc }
      : { ...cardKey, arqc, method: 2, csu: card.arpc.csu, ...(card.arpc.proprietaryAuthData === undefined ? {} : { proprietaryAuthData: card.arpc.proprietaryAuthData }) };
  return { cardKey, sessionKey, arqc, arpcRequest };
}

describe('cryptogram key hand-off: verifyArqc → generateArpc', () => {
  it('gives byte for byte the ARPC of a fresh derivation and of the library, for every derivation, padding and ARPC method', () => {
    const keyring = new Keyring(lmk);
    fc.assert(
      fc.property(cardArbitrary, (card) => {
        const handoff = new CryptogramKeyHandoff();
        const { cardKey, sessionKey, arqc, arpcRequest } = setUp(keyring, card);
        const expected = new EmvCryptogramKey(sessionKey).arpc(arqc, arpcRequest);
        const separate = generateArpc(keyring, arpcRequest);

        expect(verifyArqc(keyring, { ...cardKey, data: card.data, arqc, padding: card.padding, arpcFollows: true }, handoff)).toBe(true);
        expect(handoff.size).toBe(1);
        const combined = generateArpc(keyring, arpcRequest, handoff);
        // The key was taken: this ARPC came from the handed-off key, not a new derivation.
        expect(handoff.size).toBe(0);
        expect(toHex(combined)).toBe(toHex(expected));
        expect(toHex(combined)).toBe(toHex(separate));
      }),
      { numRuns: 300 },
    );
  });

  it('a wrong ARQC verifies false and leaves no key; only the exact card, ATC and ARQC take a kept key', () => {
    const keyring = new Keyring(lmk);
    fc.assert(
      fc.property(cardArbitrary, fc.integer({ min: 0, max: 63 }), (card, bit) => {
        const handoff = new CryptogramKeyHandoff();
        const { cardKey, arqc, arpcRequest } = setUp(keyring, card);
        const wrong = Buffer.from(arqc);
        wrong[bit >> 3] = (wrong[bit >> 3] as number) ^ (0x80 >> (bit & 7));
        expect(verifyArqc(keyring, { ...cardKey, data: card.data, arqc: wrong, padding: card.padding, arpcFollows: true }, handoff)).toBe(false);
        expect(handoff.size).toBe(0);

        expect(verifyArqc(keyring, { ...cardKey, data: card.data, arqc, padding: card.padding, arpcFollows: true }, handoff)).toBe(true);
        const otherAtc = Buffer.from([(card.atc[0] as number) ^ 0x01, card.atc[1] as number]);
        const withoutUn: GenerateArpcRequest = Object.fromEntries(Object.entries(arpcRequest).filter(([name]) => name !== 'unpredictableNumber')) as unknown as GenerateArpcRequest;
        const others: GenerateArpcRequest[] = [
          { ...arpcRequest, arqc: wrong },
          { ...arpcRequest, atc: otherAtc },
          { ...arpcRequest, psn: card.psn === '00' ? '01' : '00' },
          { ...arpcRequest, pan: `${card.pan.slice(0, -1)}${card.pan.endsWith('0') ? '1' : '0'}` },
          { ...arpcRequest, iccMasterKeyOption: card.iccMasterKeyOption === 'A' ? 'B' : 'A' },
          { ...withoutUn, sessionKey: card.sessionKey === 'none' ? 'visa-sm' : 'none' },
        ];
        for (const other of others) {
          // Each is answered from its own derivation, exactly as without a hand-off, and leaves the kept key waiting.
          expect(toHex(generateArpc(keyring, other, handoff))).toBe(toHex(generateArpc(keyring, other)));
          expect(handoff.size).toBe(1);
        }
        generateArpc(keyring, arpcRequest, handoff);
        expect(handoff.size).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('an ARPC request the derivation refuses is refused with a key waiting too (no unpredictable number is not the bytes 2D 00)', () => {
    const keyring = new Keyring(lmk);
    const handoff = new CryptogramKeyHandoff();
    const [sampled] = fc.sample(cardArbitrary, 1);
    if (sampled === undefined) throw new Error('no sample');
    const { cardKey, arqc, arpcRequest } = setUp(keyring, { ...sampled, sessionKey: 'common', unpredictableNumber: undefined, padding: 2, data: Buffer.alloc(16) });
    expect(verifyArqc(keyring, { ...cardKey, data: Buffer.alloc(16), arqc, padding: 2, arpcFollows: true }, handoff)).toBe(true);
    for (const unpredictableNumber of [Buffer.from('2d00', 'hex'), Buffer.alloc(0), Buffer.from('-', 'latin1')]) {
      expect(() => generateArpc(keyring, { ...arpcRequest, unpredictableNumber }, handoff)).toThrow(/unpredictableNumber/);
    }
    expect(() => generateArpc(keyring, { ...arpcRequest, pan: '12x4567890123' }, handoff)).toThrow();
    expect(handoff.size).toBe(1);
  });

  it('keeps nothing unless the caller says the ARPC follows', () => {
    const keyring = new Keyring(lmk);
    const handoff = new CryptogramKeyHandoff();
    const [sampled] = fc.sample(cardArbitrary, 1);
    if (sampled === undefined) throw new Error('no sample');
    const { cardKey, arqc } = setUp(keyring, { ...sampled, padding: 2, data: Buffer.alloc(16) });
    expect(verifyArqc(keyring, { ...cardKey, data: Buffer.alloc(16), arqc, padding: 2 }, handoff)).toBe(true);
    expect(handoff.size).toBe(0);
  });

  it('a tampered IMK never reaches the key its genuine copy left: refused as without a hand-off', async () => {
    const hsm = testHsm();
    const imkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const imkAc = await loadKey(hsm, 'IMK-AC', 'tdes-2key', imkClear);
    const cardKey = { imkAc, pan: '1234567890123456', psn: '00', atc: fromHex('001C'), sessionKey: 'common' } as const;
    const data = randomBytes(24);
    const arqc = new EmvCryptogramKey(librarySessionKey(imkClear, cardKey)).arqc(data, 2);
    expect(await hsm.verifyArqc({ ...cardKey, data, arqc, padding: 2, arpcFollows: true })).toBe(true);
    const tampered: KeyUnderLmk = flipCiphertextBit(imkAc, 5);
    await expectRejection(hsm.generateArpc({ ...cardKey, imkAc: tampered, arqc, method: 1, arc: fromHex('3030') }), 'HSM_ERR_KEY_INTEGRITY');
    await expectRejection(hsm.generateArpc({ ...cardKey, imkAc: { ...imkAc, type: 'CVK' }, arqc, method: 1, arc: fromHex('3030') }), 'HSM_ERR_KEY_USAGE');
    // The genuine key's ARPC, through the SoftwareHsm, is the one of a HSM that keeps no keys.
    const plain = testHsm({ arpcHandoffEntriesMax: 0 });
    const plainImk = await loadKey(plain, 'IMK-AC', 'tdes-2key', imkClear);
    const expected = await plain.generateArpc({ ...cardKey, imkAc: plainImk, arqc, method: 1, arc: fromHex('3030') });
    expect(toHex(await hsm.generateArpc({ ...cardKey, arqc, method: 1, arc: fromHex('3030') }))).toBe(toHex(expected));
  });
});

describe('cryptogram key hand-off: bounds', () => {
  const keyring = new Keyring(lmk);
  const card = (atcValue: number): { request: EmvCardKeyRequest; arqc: Buffer; key: EmvCryptogramKey } => {
    const request: EmvCardKeyRequest = { imkAc: keyring.wrap('IMK-AC', 'tdes-2key', adjustOddParity(Buffer.alloc(16, 0x21))), pan: '6212340000000019', psn: '01', atc: Buffer.from([0, atcValue]), sessionKey: 'common' };
    return { request, arqc: Buffer.alloc(8, atcValue), key: new EmvCryptogramKey(adjustOddParity(Buffer.alloc(16, atcValue))) };
  };

  it('is taken once', () => {
    const handoff = new CryptogramKeyHandoff();
    const { request, arqc, key } = card(1);
    handoff.keep(request, arqc, key);
    expect(handoff.take(request, arqc)).toBe(key);
    expect(handoff.take(request, arqc)).toBeUndefined();
  });

  it('drops a key after holdMs', () => {
    let nowMs = 1000;
    const handoff = new CryptogramKeyHandoff({ holdMs: 5000, nowMs: () => nowMs });
    const first = card(1);
    const second = card(2);
    handoff.keep(first.request, first.arqc, first.key);
    nowMs += 4000;
    handoff.keep(second.request, second.arqc, second.key);
    nowMs += 1000;
    expect(handoff.take(first.request, first.arqc)).toBeUndefined();
    expect(handoff.size).toBe(1);
    nowMs += 3999;
    expect(handoff.take(second.request, second.arqc)).toBe(second.key);
  });

  it('holds at most entriesMax keys, dropping the oldest; 0 keeps none; clear drops all', () => {
    const handoff = new CryptogramKeyHandoff({ entriesMax: 2 });
    const [first, second, third] = [card(1), card(2), card(3)];
    for (const { request, arqc, key } of [first, second, third]) handoff.keep(request, arqc, key);
    expect(handoff.size).toBe(2);
    expect(handoff.take(first.request, first.arqc)).toBeUndefined();
    expect(handoff.take(third.request, third.arqc)).toBe(third.key);
    handoff.clear();
    expect(handoff.take(second.request, second.arqc)).toBeUndefined();

    const off = new CryptogramKeyHandoff({ entriesMax: 0 });
    off.keep(first.request, first.arqc, first.key);
    expect(off.size).toBe(0);
    expect(() => new CryptogramKeyHandoff({ entriesMax: -1 })).toThrow(RangeError);
  });

  it('shows no PAN and no key when printed', () => {
    const handoff = new CryptogramKeyHandoff();
    const { request, arqc, key } = card(1);
    handoff.keep(request, arqc, key);
    expect(JSON.stringify(handoff)).toBe('{"waiting":1}');
  });
});
