import { describe, expect, it } from 'vitest';
import { IssuerSimulator, testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { readAuditTail } from '../audit/index.js';
import { PanVault } from '../card-data/index.js';
import { HostPipeline } from './pipeline.js';
import type { TerminalRefusalEvent } from './refusal-event.js';
import { hostResponseCodes } from './response-codes.js';
import type { HostTables } from './tables.js';
import { codec, MERCHANT_ID, useHost } from './test-host.js';

/** Refusals of a 0200 over real TCP: merchant (03, 97) and format (30). */
describe.each(databases)('host refusals over real TCP on $name', (database) => {
  const host = useHost(database);

  async function rowCount(): Promise<number> {
    return (await host.fixture.store.db<HostTables>().selectFrom('host_transactions').select('id').execute()).length;
  }

  it('answers 03 (invalid merchant), without a MAC, while the bound merchant is suspended, and 00 again once it is active', async () => {
    const card = testCard('approve-chip-pin');
    await host.fixture.merchants.setStatus(MERCHANT_ID, 'suspended');
    const reply = await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }));
    expect(reply.get(39)).toBe('03');
    expect(reply.get(64)).toBeUndefined();
    await host.fixture.merchants.setStatus(MERCHANT_ID, 'active');
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }))).get(39)).toBe('00');
    expect(await rowCount()).toBe(1);
  });

  it('answers 97 when field 42 names another merchant than the one the terminal is bound to (docs/protocol.md, check 4)', async () => {
    const message = codec.unpack(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }));
    message.set(42, '102581054119999');
    expect((await host.terminal.exchange(host.terminal.withMac(message))).get(39)).toBe('97');
    expect(await rowCount()).toBe(0);
  });

  it('answers 30 (format error), MAC\'d, to a 0200 without field 11 or without field 60, and records nothing', async () => {
    for (const field of [11, 60] as const) {
      const message = codec.unpack(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }));
      message.delete(field);
      const reply = await host.terminal.exchange(host.terminal.withMac(message));
      expect(reply.get(39), `without ${field}`).toBe('30');
      expect(reply.get(64), `without ${field}`).toBeDefined();
    }
    expect(await rowCount()).toBe(0);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(0);
  });
});

/**
 * Where the pipeline records a refusal: a request may bring a sink for refusals of unknown
 * terminals (the channel's, which coalesces them per source address); every other security
 * refusal is an audit row of its own whatever the request brings.
 */
describe.each(databases)('refusal events on $name', (database) => {
  const host = useHost(database, { signIn: false });

  async function pipelineOnTheFixture(): Promise<HostPipeline> {
    const { store, hsm, clock, terminals, merchants, ledger, audit, settlement, emvParams } = host.fixture;
    const network = await IssuerSimulator.open({ store, hsm, clock: clock.now });
    const panVault = await PanVault.open({ store, hsm, clock: clock.now });
    return new HostPipeline({ store, hsm, network, zonePinKey: network.zonePinKey(), zoneDataKey: network.zoneDataKey(), terminals, merchants, ledger, panVault, audit, settlement, emvParams, clock: clock.now });
  }

  function signIn(terminalId: string, trace: string): IsoMessage<typeof unionPayPosSpec> {
    return new IsoMessage(unionPayPosSpec, '0800', { 11: trace, 41: terminalId, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: '004' } });
  }

  async function refusedRows(): Promise<number> {
    return (await readAuditTail(host.fixture.store, 1000)).filter((row) => row.action === 'terminal.refused').length;
  }

  it('hands the refusal of an unknown terminal to the request\'s sink instead of the audit log, and still answers 97', async () => {
    const pipeline = await pipelineOnTheFixture();
    const reported: TerminalRefusalEvent[] = [];
    const before = await refusedRows();
    for (const [trace, terminalId] of [['000001', 'X0000001'], ['000002', 'X0000002']] as const) {
      const unpacked = signIn(terminalId, trace);
      const answer = await pipeline.respond({ message: codec.pack(unpacked), unpacked, unknownTerminalRefusals: (refusal) => void reported.push(refusal) });
      expect(codec.unpack(answer?.reply ?? Buffer.alloc(0)).get(39)).toBe('97');
    }
    expect(reported).toEqual([
      { terminalId: 'X0000001', reason: 'unknown-terminal', responseCode: '97', mti: '0800' },
      { terminalId: 'X0000002', reason: 'unknown-terminal', responseCode: '97', mti: '0800' },
    ]);
    expect(await refusedRows()).toBe(before);
    // Without a sink (the host alone, or a channel that reports nothing), each is a row as before.
    const unpacked = signIn('X0000003', '000003');
    expect(codec.unpack((await pipeline.handle({ message: codec.pack(unpacked), unpacked })) ?? Buffer.alloc(0)).get(39)).toBe('97');
    expect(await refusedRows()).toBe(before + 1);
  });

  it('records the refusals of a known terminal (locked) one row each, even with a sink for unknown ones', async () => {
    const pipeline = await pipelineOnTheFixture();
    await host.fixture.terminals.lock({ terminalId: '10000002' }, 'reported stolen');
    const reported: TerminalRefusalEvent[] = [];
    const before = await refusedRows();
    for (const trace of ['000001', '000002', '000003']) {
      const unpacked = signIn('10000002', trace);
      const answer = await pipeline.respond({ message: codec.pack(unpacked), unpacked, unknownTerminalRefusals: (refusal) => void reported.push(refusal) });
      expect(codec.unpack(answer?.reply ?? Buffer.alloc(0)).get(39)).toBe('58');
    }
    expect(reported).toEqual([]);
    const rows = (await readAuditTail(host.fixture.store, 3)).filter((row) => row.action === 'terminal.refused');
    expect(rows).toHaveLength(3);
    expect(await refusedRows()).toBe(before + 3);
    for (const row of rows) expect(JSON.parse(row.details)).toEqual({ reason: 'terminal-locked', responseCode: '58', mti: '0800' });
  });
});

describe('hostResponseCodes', () => {
  it('lists the codes later transactions need: 05 do not honour (void, refund) and 25 original not found', () => {
    expect(hostResponseCodes['05']).toBe('do not honour');
    expect(hostResponseCodes['25']).toBe('original transaction not found');
    expect(hostResponseCodes['94']).toBe('duplicate transaction');
  });
});
