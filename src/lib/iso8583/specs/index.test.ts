import { describe, expect, it } from 'vitest';
import { MessageCodec } from '../message-codec.js';
import { findSpec, isSpecName, iso87AsciiSpec, iso87BinarySpec, specNames, specs } from './index.js';
import { unionPayPosSettlementSpec, unionPayPosSpec } from './unionpay-pos.js';

describe('spec registry', () => {
  it('lists the shipped dialects by the name each spec carries', () => {
    expect(specNames).toEqual(['unionpay-pos', 'unionpay-pos-settlement', 'iso87-ascii', 'iso87-binary']);
    for (const name of specNames) expect(specs[name].name).toBe(name);
  });

  it('finds a spec by name and nothing for other names', () => {
    expect(findSpec('unionpay-pos')).toBe(unionPayPosSpec);
    expect(findSpec('unionpay-pos-settlement')).toBe(unionPayPosSettlementSpec);
    expect(findSpec('iso87-ascii')).toBe(iso87AsciiSpec);
    expect(findSpec('iso87-binary')).toBe(iso87BinarySpec);
    expect(findSpec('ISO87-ASCII')).toBeUndefined();
    expect(findSpec('toString')).toBeUndefined();
    expect(findSpec('__proto__')).toBeUndefined();
    expect(isSpecName('constructor')).toBe(false);
  });

  it('every registered spec compiles', () => {
    for (const name of specNames) expect(() => new MessageCodec(specs[name])).not.toThrow();
  });
});
