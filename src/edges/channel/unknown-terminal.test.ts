import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/index.js';
import { loadKey, testHsm } from '../../adapters/hsm/test-hsm.js';
import { seedIssuerSimulator } from '../../adapters/network/issuer-simulator/index.js';
import { testClock } from '../../adapters/network/issuer-simulator/test-issuer.js';
import { storeModules } from '../../adapters/store/modules.js';
import { databases } from '../../adapters/store/test-databases.js';
import { readAuditTail, verifyAuditLog, type AuditRow } from '../../domain/audit/index.js';
import { testChainKey } from '../../domain/audit/test-audit.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { assembleHost } from '../host-runtime/assemble-host.js';
import { unknownTerminalIdsListedMax } from './security-event-coalescer.js';
import { codec, frameOf, TestServers, type TestClient } from './test-channel.js';

/**
 * Refusals of unknown terminals through a whole host (`assembleHost`, as `bastion serve` wires
 * it): each answered 97 as before, but in the audit log coalesced per source address like
 * malformed frames, while refusals of a terminal the host knows stay one row each.
 */
const servers = new TestServers();
afterEach(() => servers.stopAll());

const MERCHANT_ID = '102581054110001';
const LOCKED_TERMINAL_ID = 'T0000001';
const BURST = 40;

function signInFrame(trace: number, terminalId: string): Buffer {
  return frameOf(codec.pack(new IsoMessage(unionPayPosSpec, '0800', { 11: String(trace).padStart(6, '0'), 41: terminalId, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: '004' } })));
}

async function signIn(client: TestClient, trace: number, terminalId: string): Promise<string | undefined> {
  client.send(signInFrame(trace, terminalId));
  return (await client.nextReply()).message.get(39);
}

function inventedId(index: number): string {
  return `X${String(index).padStart(7, '0')}`;
}

function detailsOf(row: AuditRow): Record<string, unknown> {
  return JSON.parse(row.details) as Record<string, unknown>;
}

describe.each(databases)('refusals of unknown terminals in the audit log ($name)', (database) => {
  it(`${BURST} invented terminal ids from one address are answered 97 each and are 2 rows (the first, then a summary written at stop); a locked terminal's refusals stay 1 row each`, async () => {
    const store = await database.open(storeModules);
    try {
      const hsm = testHsm();
      const clock = testClock();
      await seedIssuerSimulator({ store, hsm, clock: clock.now });
      const host = await assembleHost({ store, hsm, logger: createLogger({ level: 'silent' }), auditChainKey: testChainKey, clock: clock.now });
      await host.merchants.add({ merchantId: MERCHANT_ID, legalName: 'Test Shop', fee: { rateBasisPoints: 38, fixedMinor: 0n } });
      await host.terminals.add({ terminalId: LOCKED_TERMINAL_ID, merchantId: MERCHANT_ID, serialNumber: 'SN-1', model: 'Test POS' });
      await host.terminals.setTmk({ terminalId: LOCKED_TERMINAL_ID }, await loadKey(hsm, 'TMK', 'tdes-2key', randomBytes(16)));
      await host.terminals.lock({ terminalId: LOCKED_TERMINAL_ID }, 'reported stolen');
      const rowsBefore = (await readAuditTail(store, 1000)).length;

      const address = await host.channel.start({ host: '127.0.0.1', port: 0 });
      const client = await servers.connect(address);
      // Every id new, and the first ones sent twice: the summary lists distinct ids.
      for (let index = 0; index < BURST; index++) expect(await signIn(client, index + 1, inventedId(index < 4 ? 1 : index)), `request ${index}`).toBe('97');
      for (let index = 0; index < 3; index++) expect(await signIn(client, 100 + index, LOCKED_TERMINAL_ID)).toBe('58');
      const other = await servers.connect(address, { localAddress: '127.0.0.2' }).catch(() => undefined);
      if (other !== undefined) expect(await signIn(other, 200, inventedId(9_999))).toBe('97');
      await host.channel.stop();

      const rows = (await readAuditTail(store, 1000)).slice(rowsBefore);
      const refused = rows.filter((row) => row.action === 'terminal.refused');
      const unknownSingles = refused.filter((row) => row.actor.startsWith('terminal:X'));
      const summaries = refused.filter((row) => detailsOf(row)['kind'] === 'unknown-terminals-summary');
      const known = refused.filter((row) => row.actor === `terminal:${LOCKED_TERMINAL_ID}`);
      expect(refused).toHaveLength(unknownSingles.length + summaries.length + known.length);

      // From 127.0.0.1: the first refusal at once (with the peer's address and connection), then one summary.
      expect(unknownSingles.map((row) => [row.actor, row.source])).toEqual([[`terminal:${inventedId(1)}`, 'ip:127.0.0.1'], ...(other === undefined ? [] : [[`terminal:${inventedId(9_999)}`, 'ip:127.0.0.2']])]);
      expect(detailsOf(unknownSingles[0] as AuditRow)).toMatchObject({ reason: 'unknown-terminal', responseCode: '97', mti: '0800', connection: expect.stringMatching(/^conn_[a-z]+$/), remotePort: expect.any(Number) });
      expect(summaries).toHaveLength(1);
      const summary = summaries[0] as AuditRow;
      expect(summary).toMatchObject({ actor: 'system', target: 'channel:unknown-terminals', source: 'ip:127.0.0.1', outcome: 'denied' });
      const listed = [inventedId(1), ...Array.from({ length: unknownTerminalIdsListedMax - 1 }, (_, index) => inventedId(index + 4))];
      expect(detailsOf(summary)).toMatchObject({
        reason: 'unknown-terminal',
        count: BURST - 1,
        terminalIds: listed,
        // 3 repeats of the first id are listed already; the rest past the list are counted.
        unlistedTerminalIdRefusals: BURST - 1 - 3 - (unknownTerminalIdsListedMax - 1),
        mtis: { '0800': BURST - 1 },
        responseCodes: { '97': BURST - 1 },
      });

      // The locked terminal: every refusal a row of its own, as the host writes it.
      expect(known).toHaveLength(3);
      for (const row of known) {
        expect(row).toMatchObject({ target: `terminal:${LOCKED_TERMINAL_ID}`, source: 'channel', outcome: 'denied' });
        expect(detailsOf(row)).toEqual({ reason: 'terminal-locked', responseCode: '58', mti: '0800' });
      }
      expect((await verifyAuditLog(store, { chainKey: testChainKey })).intact).toBe(true);
    } finally {
      await servers.stopAll();
      await store.close();
    }
  });
});
