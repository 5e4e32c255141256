import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyCheckValue, toHex } from '../../../lib/crypto/index.js';
import { networkResponseCodes } from '../../../ports/network.js';
import { testCardTrack2 } from './card-side.js';
import { testCards } from './seed-cards.js';
import { seedKeyComponents, testOnlyClearSeedKey, type SeedKeyName } from './seed-keys.js';

const docsDir = fileURLToPath(new URL('../../../../docs/', import.meta.url));

/** The rows of the first markdown table after `heading`, as cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, '')));
  }
  return rows;
}

describe('docs/test-cards.md', () => {
  const markdown = readFileSync(`${docsDir}test-cards.md`, 'utf8');

  it('lists every test card exactly as the seed defines it, with its real track 2', () => {
    const rows = tableAfter(markdown, '## The cards');
    expect(rows.map((row) => row[0])).toEqual(testCards.map((card) => card.profile));
    for (const [index, card] of testCards.entries()) {
      const [, pan, expiry, serviceCode, pin, status, balance, limit, chip, track2, purpose] = rows[index] ?? [];
      expect({ pan, expiry, serviceCode, pin, status, balance, limit, track2, purpose }, card.profile).toEqual({
        pan: card.pan,
        expiry: card.expiry,
        serviceCode: card.serviceCode,
        pin: card.testPin,
        status: card.status,
        balance: card.balanceMinor.toString(),
        limit: card.dailyLimitMinor.toString(),
        track2: testCardTrack2(card),
        purpose: card.purpose,
      });
      expect(chip === '—', card.profile).toBe(card.emv === undefined);
    }
  });

  it('publishes the card keys the seed imports, with their check values', () => {
    const rows = tableAfter(markdown, '## The published test keys');
    const names: Record<string, SeedKeyName> = { 'IMK-AC': 'imkAc', PVK: 'pvk', CVK: 'cvk' };
    expect(rows.map((row) => row[0])).toEqual(Object.keys(names));
    for (const [label, first, second, kcv] of rows) {
      const name = names[label ?? ''] as SeedKeyName;
      expect([first, second]).toEqual([...seedKeyComponents[name].components]);
      expect(kcv).toBe(toHex(keyCheckValue('tdes', testOnlyClearSeedKey(name), { lengthBytes: 3 })));
    }
  });
});

describe('docs/network.md', () => {
  it('gives every decline reason with its response code', () => {
    const rows = tableAfter(readFileSync(`${docsDir}network.md`, 'utf8'), '## The response');
    expect(Object.fromEntries(rows.map((row) => [row[0], row[1]]))).toEqual(networkResponseCodes);
  });
});
