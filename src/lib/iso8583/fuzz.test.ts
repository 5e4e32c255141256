import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BastionError } from '../errors/index.js';
import { IsoMessage } from './message.js';
import { MessageCodec } from './message-codec.js';
import { defineSpec, type FieldSpec, type MessageSpec } from './spec.js';
import {
  applyMutation,
  coverageSpecs,
  definedFields,
  messageArbitrary,
  mutationArbitrary,
  packedLayout,
  shippedSpecs,
  writeCount,
  type PackedField,
} from './test-arbitraries.js';

/**
 * Fuzzing `MessageCodec.unpack` with random bytes and with mutations of valid packed messages
 * (bit flips, byte replacement, truncation, extension, splices, length-prefix and bitmap damage).
 * The contract: unpack either throws a BastionError with an ISO_ERR_* code and a `field` detail,
 * or returns a message that packs back to exactly the bytes it came from. A hang would show as
 * the test timing out; nothing here measures time.
 *
 * FUZZ_CASES (default 3000) sets the mutated-message cases per shipped spec; random-byte cases
 * and the ad-hoc coverage specs scale with it. FUZZ_REPORT=1 prints the counts by outcome at the
 * end. `node bench/iso8583.js --fuzz N` runs far more.
 */
const fuzzCases = Math.max(1, Number.parseInt(process.env.FUZZ_CASES ?? '', 10) || 3000);

const shipped = await shippedSpecs();
const coverage = coverageSpecs();

type Outcome = 'accepted' | `ISO_ERR_${string}`;

/** Runs unpack on `bytes` and checks the contract; returns the error code or 'accepted'. */
function unpackOutcome(codec: Pick<MessageCodec, 'pack' | 'unpack'>, bytes: Uint8Array): Outcome {
  let message: IsoMessage;
  try {
    message = codec.unpack(bytes);
  } catch (error) {
    if (!(error instanceof BastionError)) throw new Error(`unpack threw something other than a BastionError: ${String(error)}`);
    if (!error.code.startsWith('ISO_ERR_')) throw new Error(`unpack threw ${error.code}, not an ISO_ERR_* code`);
    const field = error.details.field;
    if (typeof field !== 'string' || field === '') throw new Error(`unpack threw ${error.code} without a field detail`);
    return error.code as Outcome;
  }
  let repacked: Buffer;
  try {
    repacked = codec.pack(message);
  } catch (error) {
    throw new Error(`unpack accepted bytes whose message then fails to pack: ${String(error)}`);
  }
  if (!repacked.equals(bytes)) throw new Error('unpack accepted bytes whose message packs to different bytes');
  return 'accepted';
}

const tallies = new Map<string, Map<Outcome, number>>();
function tally(spec: string, outcome: Outcome): void {
  const counts = tallies.get(spec) ?? new Map<Outcome, number>();
  counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  tallies.set(spec, counts);
}

/** Valid messages packed, then mutated; optionally more than one mutation on the same bytes. */
function mutatedMessages(codec: MessageCodec, spec: MessageSpec, variableUnitsMax: number): fc.Arbitrary<Buffer> {
  // Sparse messages too, so mutations land on each field's parts more often.
  const messages = fc.oneof(messageArbitrary(spec, { variableUnitsMax }), messageArbitrary(spec, { variableUnitsMax, fieldsMax: 3 }));
  return fc.tuple(messages, fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 })).map(([message, mutations]) => {
    const layout = packedLayout(codec, message);
    let bytes = codec.pack(message);
    for (const mutation of mutations) bytes = applyMutation(bytes, layout, mutation);
    return bytes;
  });
}

/** Random bytes: wholly random, or behind the real MTI and bitmap of a valid message. */
function randomBytes(codec: MessageCodec, spec: MessageSpec): fc.Arbitrary<Uint8Array> {
  const behindHeader = fc.tuple(messageArbitrary(spec, { variableUnitsMax: 4 }), fc.uint8Array({ maxLength: 400 })).map(([message, tail]) => {
    const layout = packedLayout(codec, message);
    const header = codec.pack(message).subarray(0, layout.mtiBytes + layout.bitmapBytes);
    return Buffer.concat([header, tail]);
  });
  return fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 64, maxLength: 600 }), behindHeader);
}

function fuzz(spec: MessageSpec, mutatedCases: number, randomCases: number, variableUnitsMax: number): void {
  const codec = new MessageCodec(spec);
  fc.assert(
    fc.property(mutatedMessages(codec, spec, variableUnitsMax), (bytes) => {
      tally(spec.name, unpackOutcome(codec, bytes));
    }),
    { numRuns: mutatedCases },
  );
  fc.assert(
    fc.property(randomBytes(codec, spec), (bytes) => {
      tally(spec.name, unpackOutcome(codec, bytes));
    }),
    { numRuns: randomCases },
  );
}

describe.each(shipped.map((spec) => [spec.name, spec] as const))('fuzzing unpack, shipped spec %s', (name, spec) => {
  it(`${fuzzCases} mutated and ${Math.ceil(fuzzCases / 3)} random inputs: only ISO_ERR_* errors with a field, or exact round trips`, () => {
    fuzz(spec, fuzzCases, Math.ceil(fuzzCases / 3), 40);
    const counts = tallies.get(name) ?? new Map<Outcome, number>();
    // The inputs reach past the header: several kinds of failure, and some mutations still valid
    // (checked when there are enough cases for every kind to come up).
    if (fuzzCases < 1000) return;
    expect(counts.get('accepted') ?? 0).toBeGreaterThan(0);
    expect(counts.get('ISO_ERR_LENGTH') ?? 0).toBeGreaterThan(0);
    expect(counts.get('ISO_ERR_TRAILING_DATA') ?? 0).toBeGreaterThan(0);
    expect(counts.get('ISO_ERR_MTI') ?? 0).toBeGreaterThan(0);
    expect(counts.size).toBeGreaterThanOrEqual(5);
  });
});

describe('fuzzing unpack, ad-hoc specs of every type × encoding × prefix', () => {
  const perSpec = Math.ceil(fuzzCases / 10);
  it.each(coverage.map((spec) => [spec.name, spec] as const))(`%s: ${perSpec} mutated and ${Math.ceil(perSpec / 3)} random inputs`, (name, spec) => {
    fuzz(spec, perSpec, Math.ceil(perSpec / 3), 8);
    const counts = tallies.get(name) ?? new Map<Outcome, number>();
    if (perSpec < 100) return;
    expect(counts.get('ISO_ERR_LENGTH') ?? 0).toBeGreaterThan(0);
    expect(counts.get('ISO_ERR_ENCODING') ?? 0).toBeGreaterThan(0);
  });
});

/** Wire bytes of `units` units of a field's body (digits, characters or bytes). */
function bodyBytes(spec: FieldSpec, units: number): number {
  if (spec.encoding === 'bcd' || spec.encoding === 'bcd-left') return Math.ceil(units / 2);
  if (spec.encoding === 'hex') return units * 2;
  return units + (spec.type === 'xn' ? 1 : 0);
}

describe('length prefix sweep: every prefixed field alone, its prefix rewritten to each count from 0 past its maximum', () => {
  const sweepSpecs = [...shipped, ...coverage];
  it.each(sweepSpecs.map((spec) => [spec.name, spec] as const))('%s', (_name, spec) => {
    const codec = new MessageCodec(spec);
    let swept = 0;
    for (const field of definedFields(spec)) {
      const fieldSpec = spec.fields[field] as FieldSpec;
      if (fieldSpec.prefix === undefined) continue;
      const short = messageArbitrary(spec, { fields: [field], allFields: true, variableUnitsMax: 6, fullLengthMax: 0 });
      const long = messageArbitrary(spec, { fields: [field], allFields: true, variableUnitsMax: fieldSpec.length, fullLengthMax: 0 });
      const samples = [...fc.sample(short, { numRuns: 2, seed: field }), ...fc.sample(long, { numRuns: 1, seed: field })];
      for (const message of samples) {
        const packed = codec.pack(message);
        const target = packedLayout(codec, message).fields[0] as PackedField;
        const counts = new Set([...Array.from({ length: 41 }, (_, count) => count), fieldSpec.length - 1, fieldSpec.length, fieldSpec.length + 1, 99, 100, 255, 256, 999]);
        const bodyStart = target.offset + target.prefixBytes;
        const body = packed.subarray(bodyStart);
        for (const count of counts) {
          // The prefix alone rewritten: the body no longer matches it.
          const bytes = Buffer.from(packed);
          writeCount(bytes, target, count);
          tally(spec.name, unpackOutcome(codec, bytes));
          // The body cut or repeated to what the count announces, so the message ends where it says.
          const resized = Buffer.alloc(bodyStart + bodyBytes(fieldSpec, count));
          bytes.copy(resized, 0, 0, bodyStart);
          for (let i = bodyStart; i < resized.length; i++) resized[i] = body.length === 0 ? 0x30 : (body[(i - bodyStart) % body.length] as number);
          tally(spec.name, unpackOutcome(codec, resized));
          swept += 2;
        }
      }
    }
    expect(swept).toBeGreaterThan(0);
  });
});

describe('findings', () => {
  it('a required variable sub-field with nothing left for it is refused on unpack, not accepted as empty', () => {
    // Found by the prefix sweep: unpack gave { kind: '12', rest: '' }, which pack then refused.
    const spec = defineSpec({
      name: 'required-variable',
      description: 'one composite with a required variable tail',
      mti: { encoding: 'ascii' },
      bitmap: { encoding: 'binary' },
      fields: {
        2: {
          description: 'composite',
          type: 'n',
          encoding: 'ascii',
          length: 12,
          prefix: 'LL',
          prefixEncoding: 'binary',
          subfields: [
            { key: 'kind', path: '2.1', description: 'kind', length: 2 },
            { key: 'rest', path: '2.2', description: 'rest', length: 10, variable: true },
          ],
        },
      },
    });
    const codec = new MessageCodec(spec);
    const header = Buffer.concat([Buffer.from('0200', 'ascii'), Buffer.from('4000000000000000', 'hex')]);
    expect(unpackOutcome(codec, Buffer.concat([header, Buffer.from([2]), Buffer.from('12', 'ascii')]))).toBe('ISO_ERR_LENGTH');
    expect(unpackOutcome(codec, Buffer.concat([header, Buffer.from([3]), Buffer.from('123', 'ascii')]))).toBe('accepted');
  });
});

describe('the fuzz oracle', () => {
  const spec = shipped.find((candidate) => candidate.name === 'unionpay-pos') as MessageSpec;
  const codec = new MessageCodec(spec);
  const valid = codec.pack(new IsoMessage(spec, '0200').set(3, '000000').set(11, '000123'));

  it('accepts a valid message and classifies a coded error', () => {
    expect(unpackOutcome(codec, valid)).toBe('accepted');
    expect(unpackOutcome(codec, valid.subarray(0, valid.length - 1))).toBe('ISO_ERR_LENGTH');
  });

  it('flags an error that is not a BastionError, has no field, or is not an ISO_ERR_* code', () => {
    const throwing = (error: unknown) => ({
      pack: codec.pack.bind(codec),
      unpack: (): IsoMessage => {
        throw error;
      },
    });
    expect(() => unpackOutcome(throwing(new TypeError('plain')), valid)).toThrow(/other than a BastionError/);
    expect(() => unpackOutcome(throwing(new BastionError('ISO_ERR_LENGTH', 'no field named')), valid)).toThrow(/without a field/);
    expect(() => unpackOutcome(throwing(new BastionError('CRYPTO_ERR_ARGUMENT', 'wrong area', { field: '2' })), valid)).toThrow(/not an ISO_ERR/);
  });

  it('flags an accepted message that packs differently or not at all', () => {
    const drops = { pack: codec.pack.bind(codec), unpack: (bytes: Uint8Array) => codec.unpack(bytes).delete(11) };
    expect(() => unpackOutcome(drops, valid)).toThrow(/packs to different bytes/);
    const broken = { pack: codec.pack.bind(codec), unpack: (bytes: Uint8Array) => codec.unpack(bytes).set(11, 'x') };
    expect(() => unpackOutcome(broken, valid)).toThrow(/fails to pack/);
  });
});

afterAll(() => {
  // Counts by outcome, for reading in the test log.
  const lines = [...tallies].map(([spec, counts]) => `${spec}: ${[...counts].map(([outcome, count]) => `${outcome} ${count}`).join(', ')}`);
  if (process.env.FUZZ_REPORT === '1') process.stdout.write(`${lines.join('\n')}\n`);
});
