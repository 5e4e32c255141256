import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTlv, isTlvConstructed, parseTlv, type TlvNode } from './ber-tlv.js';
import { buildDol, buildDolData, parseDol, splitDolData } from './dol.js';
import { tlvMap } from './query.js';
import { hex, onlyBastionErrors } from './test-helpers.js';
import { unionPayDecodeAid, unionPayEncodeAid } from './unionpay-aid.js';
import { unionPayDecodeCapk, unionPayEncodeCapk } from './unionpay-capk.js';
import {
  unionPayDecodeAidDownloadReply,
  unionPayDecodeAidDownloadRequest,
  unionPayDecodeAidList,
  unionPayDecodeCapkDownloadReply,
  unionPayDecodeCapkDownloadRequest,
  unionPayDecodeCapkList,
  unionPayDecodeParamQuery,
} from './unionpay-param-messages.js';

/**
 * Untrusted bytes, random and mutated from valid messages, through every decoder: the only error
 * allowed is a BastionError, every call returns (a hang fails the run on its timeout), and what a
 * parse returns is bounded by the input's size.
 */

const seeds: readonly Buffer[] = [
  // CyberSource field 55 (see ber-tlv.test.ts)
  hex(
    '9F3303204000950500000000009F3704518823719F100706011103A000009F26081E1756ED0E2134E29F36020015' +
      '820200009C01009F1A0208409A030006219F02060000000020005F2A0208409F0306000000000000',
  ),
  hex('6F 1E 84 0E 325041592E5359532E4444463031 A5 0C BF0C 09 61 07 4F 05 A000000333'),
  hex('91 0A 1234567890ABCDEF 3030 71 12 9F18 04 00000001 86 09 84DA00000400010203 8A 02 3030'),
  buildTlv([{ tag: 0xdf02, value: Buffer.alloc(300, 0x5a) }]),
  unionPayEncodeCapk({
    rid: hex('A000000333'),
    index: 1,
    expiryDate: '20301231',
    hashAlgorithm: 1,
    publicKeyAlgorithm: 1,
    modulus: Buffer.alloc(176, 0xb3),
    exponent: hex('03'),
    checksum: Buffer.alloc(20, 0x11),
  }),
  unionPayEncodeAid({ aid: hex('A000000333010101'), partialSelection: true, floorLimitMinor: 0n, defaultDdol: hex('9F3704'), contactlessCvmLimitMinor: 10_000n }),
  hex('9F02069F03069F1A0295055F2A029A039C019F3704'),
];

/** Byte values that sit on the parser's decision points, mixed with anything at all. */
const edgyByte = fc.oneof(
  fc.constantFrom(0x00, 0xff, 0x1f, 0x20, 0x3f, 0x5f, 0x70, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x9f, 0xbf, 0xdf),
  fc.integer({ min: 0, max: 255 }),
);

const randomBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(edgyByte, { maxLength: 300 }).map((bytes) => Uint8Array.from(bytes)));

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; value: number } | { kind: 'drop'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: edgyByte }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: edgyByte }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
);

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(seed);
  for (const change of mutations) {
    const at = bytes.length === 0 ? 0 : change.at % bytes.length;
    if (change.kind === 'flip' && bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << change.bit);
    else if (change.kind === 'set' && bytes.length > 0) bytes[at] = change.value;
    else if (change.kind === 'cut') bytes = bytes.subarray(0, at);
    else if (change.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(change.value), bytes.subarray(at)]);
    else if (change.kind === 'drop') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  }
  return bytes;
}

const mutatedBytes = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([seed, changes]) => mutate(seed, changes));

const untrusted = fc.oneof(randomBytes, mutatedBytes);

function countNodes(nodes: readonly TlvNode[]): { count: number; valueBytes: number } {
  let count = 0;
  let valueBytes = 0;
  for (const node of nodes) {
    count++;
    if (isTlvConstructed(node)) {
      const inner = countNodes(node.children);
      count += inner.count;
      valueBytes += inner.valueBytes;
    } else valueBytes += node.value.length;
  }
  return { count, valueBytes };
}

describe('fuzzing the TLV parser', () => {
  it('returns a tree no bigger than its input, whose canonical encoding parses to the same tree, or throws a BastionError', () => {
    fc.assert(
      fc.property(untrusted, (bytes) => {
        let nodes: TlvNode[] = [];
        if (!onlyBastionErrors(() => (nodes = parseTlv(bytes)))) return;
        const { count, valueBytes } = countNodes(nodes);
        // Every object costs at least a tag byte and a length byte of input.
        expect(count).toBeLessThanOrEqual(bytes.length / 2);
        expect(valueBytes).toBeLessThanOrEqual(bytes.length);
        const canonical = buildTlv(nodes);
        expect(canonical.length).toBeLessThanOrEqual(bytes.length);
        expect(parseTlv(canonical)).toEqual(nodes);
      }),
      { numRuns: 4000 },
    );
  });

  it('tlvMap and the strict options fail only with BastionErrors', () => {
    fc.assert(
      fc.property(untrusted, (bytes) => {
        onlyBastionErrors(() => tlvMap(parseTlv(bytes, { depthMax: 1 })));
        onlyBastionErrors(() => parseTlv(bytes, { minimalLengths: true, depthMax: 2, nodeCountMax: 8 }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fuzzing DOL handling', () => {
  it('parses or refuses, and what parses re-encodes to the same bytes and builds data of the announced length', () => {
    fc.assert(
      fc.property(untrusted, (bytes) => {
        let entries: ReturnType<typeof parseDol> = [];
        if (!onlyBastionErrors(() => (entries = parseDol(bytes)))) return;
        expect(buildDol(entries)).toEqual(Buffer.from(bytes));
        const data = buildDolData(entries, new Map([[0x9f02, hex('000000000100')]]));
        expect(splitDolData(entries, data)).toHaveLength(entries.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('splitDolData refuses data of the wrong length with a BastionError only', () => {
    const entries = parseDol(hex('9F02069F03069F1A0295055F2A029A039C019F3704'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const ok = onlyBastionErrors(() => splitDolData(entries, data));
        expect(ok).toBe(data.length === 29);
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzzing the UnionPay field 62 decoders', () => {
  const decoders: readonly ((bytes: Uint8Array) => unknown)[] = [
    unionPayDecodeCapk,
    unionPayDecodeAid,
    unionPayDecodeCapkList,
    unionPayDecodeAidList,
    unionPayDecodeCapkDownloadRequest,
    unionPayDecodeAidDownloadRequest,
    unionPayDecodeCapkDownloadReply,
    unionPayDecodeAidDownloadReply,
    unionPayDecodeParamQuery,
  ];

  it('every decoder returns or throws a BastionError, with or without a status byte in front', () => {
    fc.assert(
      fc.property(untrusted, fc.constantFrom(undefined, 0x30, 0x31, 0x32), (bytes, status) => {
        const input = status === undefined ? bytes : Buffer.concat([Buffer.of(status), bytes]);
        for (const decode of decoders) onlyBastionErrors(() => decode(input));
      }),
      { numRuns: 2500 },
    );
  });

  it('a record that decodes encodes to a record that decodes to the same values', () => {
    fc.assert(
      fc.property(mutatedBytes, (bytes) => {
        let capk: ReturnType<typeof unionPayDecodeCapk> | undefined;
        if (onlyBastionErrors(() => (capk = unionPayDecodeCapk(bytes))) && capk !== undefined) {
          expect(unionPayDecodeCapk(unionPayEncodeCapk(capk))).toEqual(capk);
        }
        let aid: ReturnType<typeof unionPayDecodeAid> | undefined;
        if (onlyBastionErrors(() => (aid = unionPayDecodeAid(bytes))) && aid !== undefined) {
          expect(unionPayDecodeAid(unionPayEncodeAid(aid))).toEqual(aid);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
