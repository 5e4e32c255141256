import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allOps } from './ops/index.js';
import { renderCryptoReference } from './reference.js';

describe('docs/crypto-cli.md', () => {
  const docs = readFileSync(new URL('../../../../docs/crypto-cli.md', import.meta.url), 'utf8');

  it('is the rendering of the current operation specs (run `npm run docs:crypto` after changing an op)', () => {
    expect(docs).toBe(renderCryptoReference());
  });

  it('names every operation and every result field', () => {
    for (const op of allOps) {
      expect(docs).toContain(`### \`${op.name}\``);
      for (const field of Object.keys(op.results)) expect(docs).toContain(`| \`${field}\` |`);
    }
  });
});
