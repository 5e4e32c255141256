import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedBytes } from '../../../domain/card-data/test-card-data.js';
import type { AuthorizationRequest } from '../../../ports/network.js';
import { databases } from '../../store/test-databases.js';
import { testCardTrack2 } from './card-side.js';
import { testCard, testCards } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, pinUnderZpk, requestFor, type IssuerFixture } from './test-issuer.js';

/**
 * SECURITY.md's canary scan for the issuer: push every test card through the simulator (chip,
 * stripe, right and wrong PINs, approvals and declines, retries), then read everything the
 * database holds — the SQLite file, WAL and shared memory byte for byte, every row of the
 * PostgreSQL schema as text — and find no PAN, track, PIN block or cryptogram input in any form.
 */
interface Needle {
  readonly what: string;
  readonly bytes: Buffer;
}

function textNeedles(what: string, text: string): Needle[] {
  return [
    { what: `${what} as ASCII`, bytes: Buffer.from(text, 'latin1') },
    { what: `${what} as UTF-16`, bytes: Buffer.from(text, 'utf16le') },
  ];
}

/** Text, and packed BCD (a pad nibble after an odd count) as bytes and as hex text. */
function digitNeedles(what: string, digits: string): Needle[] {
  const even = digits.length % 2 === 0 ? digits : `${digits}0`;
  return [...textNeedles(what, digits), { what: `${what} as BCD`, bytes: Buffer.from(even, 'hex') }, { what: `${what} as BCD hex text`, bytes: Buffer.from(even, 'latin1') }];
}

function byteNeedles(what: string, bytes: Buffer): Needle[] {
  return [
    { what: `${what} as bytes`, bytes },
    { what: `${what} as hex text`, bytes: Buffer.from(bytes.toString('hex'), 'latin1') },
    { what: `${what} as HEX text`, bytes: Buffer.from(bytes.toString('hex').toUpperCase(), 'latin1') },
  ];
}

function needlesOf(request: AuthorizationRequest): Needle[] {
  // Parts of a PAN only as text: six packed bytes of the zero-heavy test PANs turn up in any
  // database file by chance, so their BCD would prove nothing.
  const needles = [...digitNeedles('PAN', request.pan), ...textNeedles('first 12 PAN digits', request.pan.slice(0, 12)), ...textNeedles('last 12 PAN digits', request.pan.slice(-12))];
  if (request.track2 !== undefined) {
    needles.push({ what: 'track 2 as ASCII', bytes: Buffer.from(request.track2, 'latin1') });
    needles.push(...digitNeedles('track 2 as BCD', request.track2.replace('=', 'D')));
  }
  if (request.pinData !== undefined) needles.push(...byteNeedles('PIN block', request.pinData.pinBlock));
  if (request.chip !== undefined) needles.push(...byteNeedles('ARQC', request.chip.arqc), ...byteNeedles('CDOL data', request.chip.cdolData));
  return needles;
}

describe.each(databases)('canary scan of the issuer simulator on $name', (database) => {
  let fixture: IssuerFixture;
  const sent: AuthorizationRequest[] = [];
  beforeAll(async () => {
    fixture = await openIssuer(database);
    for (const card of testCards) {
      const requests = [
        requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }),
        requestFor(card, { pinData: await pinUnderZpk(fixture, card, '9753') }),
        requestFor(card, { kind: 'balance-inquiry' }),
        { ...requestFor(card, { entryMode: 'fallback', amountMinor: 100n }), track2: testCardTrack2(card) },
      ];
      for (const request of requests) {
        sent.push(request);
        await fixture.simulator.authorize(request);
      }
      await fixture.simulator.authorize(requests[0] as AuthorizationRequest);
    }
  });
  afterAll(async () => {
    await fixture.store.close();
  });

  it('the scan reads what is stored: shown digits, authorization codes and ARPCs are there', async () => {
    const stored = await storedBytes(fixture.store);
    expect(stored.includes(Buffer.from('621234'))).toBe(true);
    const card = testCard('approve-chip-pin');
    const approved = await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }));
    const arpc = approved.issuerAuthentication?.arpc;
    if (arpc === undefined) throw new Error('no ARPC');
    const after = await storedBytes(fixture.store);
    expect(after.includes(arpc) || after.includes(Buffer.from(arpc.toString('hex')))).toBe(true);
  });

  it('finds no PAN, track, PIN block or cryptogram input anywhere in the stored data', async () => {
    const check = async (): Promise<void> => {
      const stored = await storedBytes(fixture.store);
      const hits = sent.flatMap((request) => needlesOf(request).filter((needle) => stored.includes(needle.bytes)).map((needle) => `${request.pan.slice(0, 6)}…${request.pan.slice(-4)}: ${needle.what}`));
      expect([...new Set(hits)]).toEqual([]);
    };
    await check();
    if (fixture.store.dialect === 'sqlite') {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(fixture.store.db());
      await check();
    }
  });

  it('control: the same scan finds a PAN written in clear into an issuer table', async () => {
    const card = testCard('lost');
    const db = fixture.store.db<IssuerTables>();
    await db.updateTable('issuer_cards').set({ profile: `careless-${card.pan}` }).where('profile', '=', 'lost').execute();
    try {
      const stored = await storedBytes(fixture.store);
      expect(needlesOf(requestFor(card)).some((needle) => stored.includes(needle.bytes))).toBe(true);
    } finally {
      await db.updateTable('issuer_cards').set({ profile: 'lost' }).where('profile', '=', `careless-${card.pan}`).execute();
    }
  });
});
