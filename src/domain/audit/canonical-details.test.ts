import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { auditDetailsBytesMax, auditDetailsDepthMax, canonicalDetails, type AuditDetails } from './canonical-details.js';

const pan = '4761739001010010';

describe('canonical details', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalDetails({ b: 1, a: { d: [true, null, 'x'], c: -5 } })).toBe('{"a":{"c":-5,"d":[true,null,"x"]},"b":1}');
    expect(canonicalDetails(undefined)).toBe('{}');
    expect(canonicalDetails({ z: 1, a: 2 })).toBe(canonicalDetails({ a: 2, z: 1 }));
  });

  it('redacts PAN-like digits and key-like hex in text, in keys and in long numbers', () => {
    const text = canonicalDetails({
      pan,
      track: `;${pan}=25121011234567890?`,
      key: '0123456789ABCDEFFEDCBA9876543210',
      numberPan: 4761739001010010,
      bigPan: 4761739001010010n,
      [`card-${pan}`]: 'in a key',
      kcv: '08D7B4',
      amountMinor: 12_345n,
    });
    expect(text).not.toMatch(/\d{12,}/);
    expect(text).not.toContain('0123456789ABCDEF');
    expect(text).toContain('"pan":"476173******0010"');
    expect(text).toContain('"numberPan":"476173******0010"');
    expect(text).toContain('"bigPan":"476173******0010"');
    expect(text).toContain('"card-476173******0010":"in a key"');
    expect(text).toContain('"kcv":"08D7B4"');
    expect(text).toContain('"amountMinor":12345');
  });

  it('keeps short numbers as numbers and escapes text as JSON', () => {
    expect(canonicalDetails({ n: 99_999_999_999, s: 'quote " and \n newline' })).toBe('{"n":99999999999,"s":"quote \\" and \\n newline"}');
  });

  it('refuses values that are not JSON-like, fractions, undefined, and keys equal after redaction', () => {
    const bad: unknown[] = [{ x: 1.5 }, { x: Number.NaN }, { x: 2 ** 60 }, { x: new Date(0) }, { x: undefined }, { x: () => 1 }, { x: Buffer.alloc(1) }, { [pan]: 1, '4761730000000010': 2 }];
    for (const details of bad) expectBastionError(() => canonicalDetails(details as AuditDetails), 'AUDIT_ERR_EVENT', { argument: 'details' }, [pan]);
  });

  it(`bounds size (${auditDetailsBytesMax} bytes) and depth (${auditDetailsDepthMax})`, () => {
    expect(canonicalDetails({ text: 'é'.repeat(4000) }).length).toBeGreaterThan(4000);
    expectBastionError(() => canonicalDetails({ text: 'é'.repeat(4100) }), 'AUDIT_ERR_EVENT');
    expectBastionError(() => canonicalDetails({ text: 'x'.repeat(auditDetailsBytesMax) }), 'AUDIT_ERR_EVENT');
    let deep: AuditDetails = { leaf: 1 };
    for (let level = 1; level < auditDetailsDepthMax; level += 1) deep = { inner: deep };
    expect(() => canonicalDetails(deep)).not.toThrow();
    expectBastionError(() => canonicalDetails({ inner: deep }), 'AUDIT_ERR_EVENT');
  });

  it('is canonical: parsing the text and writing it again gives the same text', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', maxDepth: 3 }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 6 }), (details) => {
        let text: string;
        try {
          text = canonicalDetails(details as AuditDetails);
        } catch (error) {
          // Keys that collide once redacted are refused (tested above); nothing else may throw.
          expect(error).toMatchObject({ code: 'AUDIT_ERR_EVENT' });
          return;
        }
        expect(canonicalDetails(JSON.parse(text) as AuditDetails)).toBe(text);
        expect(text).not.toMatch(/\d{12,}/);
      }),
      { numRuns: 300 },
    );
  });
});
