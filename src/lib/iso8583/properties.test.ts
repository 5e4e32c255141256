import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../errors/index.js';
import { IsoMessage } from './message.js';
import { MessageCodec } from './message-codec.js';
import type { FieldSpec, MessageSpec } from './spec.js';
import { specNames } from './specs/index.js';
import {
  applyMutation,
  bitmapEncodings,
  charactersOf,
  coverageFieldSpecs,
  coverageSpecs,
  definedFields,
  messageArbitrary,
  messageSnapshot,
  mtiEncodings,
  mutationArbitrary,
  packedLayout,
  prefixEncodings,
  shippedSpecs,
  typeEncodings,
} from './test-arbitraries.js';

/**
 * Round-trip properties of the codec: for any valid message m, unpack(pack(m)) = m; for any bytes
 * b that unpack, pack(unpack(b)) = b. Run for every shipped spec and for ad-hoc specs that use
 * every field type × encoding × prefix the codec supports.
 */

const shipped = await shippedSpecs();
const coverage = coverageSpecs();

function roundTrips(codec: MessageCodec, message: IsoMessage): void {
  const packed = codec.pack(message);
  const back = codec.unpack(packed);
  expect(messageSnapshot(back)).toEqual(messageSnapshot(message));
  // Packing what was unpacked gives the same bytes again.
  expect(codec.pack(back).equals(packed)).toBe(true);
}

describe('the spec list under test', () => {
  it('holds every spec of the registry and every other spec exported in specs/', () => {
    const names = shipped.map((spec) => spec.name);
    expect(names).toContain('unionpay-pos');
    for (const name of specNames) expect(names).toContain(name);
    expect(names.length).toBe(new Set(names).size);
    for (const spec of shipped) expect(definedFields(spec).length).toBeGreaterThan(0);
  });

  it('covers every type × encoding × prefix, both pad nibbles, every header encoding', () => {
    const fieldSpecs = coverage.flatMap((spec) => Object.values(spec.fields));
    const seen = new Set(fieldSpecs.map((f) => `${f.type}/${f.encoding}/${f.prefix ?? 'fixed'}/${f.prefixEncoding ?? '-'}/${f.padNibble ?? 0}`));
    for (const [type, encoding] of typeEncodings) {
      const pads = encoding === 'bcd' || encoding === 'bcd-left' ? [0, 15] : [0];
      for (const pad of pads) {
        expect(seen).toContain(`${type}/${encoding}/fixed/-/${pad}`);
        for (const prefix of ['LL', 'LLL']) for (const prefixEncoding of prefixEncodings) expect(seen).toContain(`${type}/${encoding}/${prefix}/${prefixEncoding}/${pad}`);
      }
    }
    // Every field spec of the list is in some coverage spec, and every spec has fields past 64.
    const listed = coverageFieldSpecs().map((f) => f.description);
    expect(new Set(listed).size).toBe(listed.length);
    expect(new Set(fieldSpecs.map((f) => f.description))).toEqual(new Set(listed));
    expect(fieldSpecs.length).toBe(listed.length * mtiEncodings.length * bitmapEncodings.length);
    for (const spec of coverage) expect(definedFields(spec).some((field) => field > 64)).toBe(true);
    expect(new Set(coverage.map((spec) => `${spec.mti.encoding}/${spec.bitmap.encoding}`)).size).toBe(mtiEncodings.length * bitmapEncodings.length);
    expect(fieldSpecs.some((f) => f.subfields?.some((sub) => sub.variable === true) === true)).toBe(true);
    expect(fieldSpecs.some((f) => f.subfields?.some((sub) => sub.optional === true) === true)).toBe(true);
  });
});

describe.each(shipped.map((spec) => [spec.name, spec] as const))('shipped spec %s', (_name, spec) => {
  const codec = new MessageCodec(spec);

  it('unpack(pack(m)) equals m for any valid message', () => {
    fc.assert(
      fc.property(messageArbitrary(spec), (message) => {
          roundTrips(codec, message);
        }),
      { numRuns: 400 },
    );
  });

  it('every single field round-trips at its extreme lengths', () => {
    for (const field of definedFields(spec)) {
      fc.assert(
        fc.property(messageArbitrary(spec, { fields: [field], allFields: true, variableUnitsMax: 1_000 }), (message) => {
          roundTrips(codec, message);
        }),
        { numRuns: 25 },
      );
    }
  });

  it('pack(unpack(b)) equals b for any bytes b that unpack, mutated messages included', () => {
    let accepted = 0;
    fc.assert(
      fc.property(messageArbitrary(spec), mutationArbitrary, (message, mutation) => {
        const packed = codec.pack(message);
        const bytes = applyMutation(packed, packedLayout(codec, message), mutation);
        let back: IsoMessage;
        try {
          back = codec.unpack(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BastionError);
          return;
        }
        accepted++;
        expect(codec.pack(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 600 },
    );
    // Some mutations (a changed digit, a flipped bit inside binary data) still make a valid message.
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('every field type × encoding × prefix (ad-hoc specs)', () => {
  it.each(coverage.map((spec) => [spec.name, spec] as const))('%s: unpack(pack(m)) equals m', (_name, spec) => {
    const codec = new MessageCodec(spec);
    fc.assert(
      fc.property(messageArbitrary(spec), (message) => {
          roundTrips(codec, message);
        }),
      { numRuns: 40 },
    );
  });

  it.each(coverage.slice(0, 2).map((spec) => [spec.name, spec] as const))('%s: each field alone, at its maximum length too', (_name, spec) => {
    const codec = new MessageCodec(spec);
    for (const field of definedFields(spec)) {
      fc.assert(
        fc.property(messageArbitrary(spec, { fields: [field], allFields: true, variableUnitsMax: 2_000, fullLengthMax: 2_000 }), (message) => {
          roundTrips(codec, message);
        }),
        { numRuns: 12 },
      );
    }
  });

  it.each(coverage.map((spec) => [spec.name, spec] as const))('%s: pack(unpack(b)) equals b for mutated messages that unpack', (_name, spec) => {
    const codec = new MessageCodec(spec);
    fc.assert(
      fc.property(messageArbitrary(spec, { variableUnitsMax: 12 }), mutationArbitrary, (message, mutation) => {
        const bytes = applyMutation(codec.pack(message), packedLayout(codec, message), mutation);
        let back: IsoMessage;
        try {
          back = codec.unpack(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BastionError);
          return;
        }
        expect(codec.pack(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the round-trip check can fail', () => {
  // A deliberately lossy "codec" (drops the last field) must be caught by the same check.
  const spec = shipped.find((candidate) => candidate.name === 'unionpay-pos') as MessageSpec;
  const codec = new MessageCodec(spec);
  const lossy = {
    pack: (message: IsoMessage) => codec.pack(message),
    unpack: (bytes: Uint8Array) => {
      const message = codec.unpack(bytes);
      const last = message.fieldNumbers().at(-1);
      if (last !== undefined) message.delete(last);
      return message;
    },
  } as unknown as MessageCodec;

  it('flags a codec that loses a field', () => {
    const message = new IsoMessage(spec, '0200').set(3, '000000');
    expect(() => {
      roundTrips(lossy, message);
    }).toThrow();
    expect(() => {
      roundTrips(codec, message);
    }).not.toThrow();
  });

  it('generated values keep to their field specs, checked without the codec', () => {
    const samples = fc.sample(messageArbitrary(spec, { fields: definedFields(spec), allFields: true }), { numRuns: 300, seed: 8583 });
    const lengthsSeen = new Map<number, Set<number>>();
    for (const message of samples) {
      for (const field of message.fieldNumbers()) {
        const fieldSpec = spec.fields[field] as FieldSpec;
        const value = message.valueAt(field);
        const text = fieldSpec.subfields !== undefined ? Object.values(value as Record<string, string>).join('') : value;
        const units = text instanceof Uint8Array ? text.length : typeof text === 'string' ? text.length - (fieldSpec.type === 'xn' ? 1 : 0) : -1;
        expect(fieldSpec.type === 'b' ? text instanceof Uint8Array : typeof text === 'string').toBe(true);
        if (fieldSpec.prefix === undefined) expect(units).toBe(fieldSpec.length);
        else expect(units).toBeLessThanOrEqual(fieldSpec.length);
        if (typeof text === 'string' && fieldSpec.type !== 'xn') for (const character of text) expect(charactersOf[fieldSpec.type as keyof typeof charactersOf]).toContain(character);
        const seen = lengthsSeen.get(field) ?? new Set<number>();
        seen.add(units);
        lengthsSeen.set(field, seen);
      }
    }
    // Variable fields reach both ends of their range.
    for (const field of definedFields(spec)) {
      const fieldSpec = spec.fields[field] as FieldSpec;
      if (fieldSpec.prefix === undefined || fieldSpec.subfields !== undefined) continue;
      expect(lengthsSeen.get(field)).toContain(0);
      expect(lengthsSeen.get(field)).toContain(fieldSpec.length);
    }
  });
});
