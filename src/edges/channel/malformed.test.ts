import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { auditMigrations, AuditLog, readAuditTail, verifyAuditLog } from '../../domain/audit/index.js';
import { steppingClock, testChainKey } from '../../domain/audit/test-audit.js';
import { hex } from '../../lib/errors/test-helpers.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { ProcessingRequirement } from '../../lib/iso8583/framing/index.js';
import type { ChannelMalformedFrameEvent, ChannelSecurityEvent } from './security-event.js';
import { channelSecurityAuditEvent } from './security-event.js';
import { codec, eventually, frameOf, honestTerminal, requestFrame, TestServers, within } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

const pan = '6222021234567890123';

/**
 * A sale-like 0200 whose field 60 has a length prefix over its maximum: MTI, bitmap, 2 (a PAN),
 * 11, 41 and 42 decode, 60 does not. Returns the message and where 60 starts in it.
 */
function saleWithBadField60(trace = '000123'): { message: Buffer; field60Offset: number } {
  const fields = { 2: pan, 11: trace, 41: 'T0000009', 42: '123456789012345' } as const;
  const withoutField60 = codec.pack(new IsoMessage(unionPayPosSpec, '0200', fields));
  const message = codec.pack(new IsoMessage(unionPayPosSpec, '0200', { ...fields, 60: { typeCode: '22', batchNumber: '000001', networkCode: '000' } }));
  // The bitmap has the same size with or without 60, so 60's LLL prefix starts where the shorter message ends.
  const field60Offset = withoutField60.length;
  message[field60Offset] = 0x09;
  message[field60Offset + 1] = 0x99;
  return { message, field60Offset };
}

/** The handlers here report no request, so every event is a malformed frame (the checks below read its kind and fields). */
function collector(): { events: ChannelMalformedFrameEvent[]; sink: (event: ChannelSecurityEvent) => void } {
  const events: ChannelMalformedFrameEvent[] = [];
  return { events, sink: (event) => void events.push(event as ChannelMalformedFrameEvent) };
}

describe('malformed frames', () => {
  it('a message with a readable MTI gets a format-error reply: MTI + 10, 39 = 30, and 11 / 41 / 42 read before the bad field', async () => {
    const { events, sink } = collector();
    const { server, address } = await servers.start({ securityEvents: sink });
    const client = await servers.connect(address);
    const { message, field60Offset } = saleWithBadField60();
    client.send(frameOf(message));
    const { frame, message: reply } = await client.nextReply();
    expect(reply.mti).toBe('0210');
    expect(reply.fieldNumbers()).toEqual([11, 39, 41, 42]);
    expect(reply.get(39)).toBe('30');
    expect(reply.get(11)).toBe('000123');
    expect(reply.get(41)).toBe('T0000009');
    expect(reply.get(42)).toBe('123456789012345');
    expect(frame.tpdu).toEqual({ id: 0x60, destination: 0x0000, source: 0x0003 });
    expect(frame.header.processingRequirement).toBe(ProcessingRequirement.None);
    // The connection stays open and goes on serving.
    await client.transact(7);
    expect(events).toHaveLength(1);
    const [event] = events as [ChannelMalformedFrameEvent];
    expect(event).toMatchObject({ kind: 'malformed-frame', errorCode: 'ISO_ERR_LENGTH', field: '60', mti: '0200', reaction: 'format-error-reply' });
    expect(event.offset).toBe(11 + field60Offset);
    expect(event.connection.remoteAddress).toBe('127.0.0.1');
    expect(JSON.stringify(event)).not.toContain(pan);
    expect(server.counters).toMatchObject({ framesIn: 2, framesOut: 2, framesMalformed: 1, formatErrorReplies: 1 });
  });

  it('echoes only what was read before the failure: a bad field 11 or a cut bitmap leaves only 39', async () => {
    const { events, sink } = collector();
    const { address } = await servers.start({ securityEvents: sink });
    const client = await servers.connect(address);
    // 0200, bitmap naming 11 only, and 11 is not BCD.
    client.send(frameOf(hex('0200 0020000000000000 FFFFFF')));
    const first = await client.nextReply();
    expect(first.message.mti).toBe('0210');
    expect(first.message.fieldNumbers()).toEqual([39]);
    // 0400 (a reversal) whose bitmap is cut short.
    client.send(frameOf(hex('0400 0020')));
    const second = await client.nextReply();
    expect(second.message.mti).toBe('0410');
    expect(second.message.fieldNumbers()).toEqual([39]);
    expect(events.map((event) => [event.errorCode, event.field, event.offset, event.mti])).toEqual([
      ['ISO_ERR_ENCODING', '11', 11 + 10, '0200'],
      ['ISO_ERR_BITMAP', 'bitmap', 11 + 2, '0400'],
    ]);
  });

  it('closes the connection when nothing can be answered: unreadable MTI, a response MTI, no MTI, bad TPDU or header, short or oversize frames', async () => {
    const { events, sink } = collector();
    const { server, address } = await servers.start({ securityEvents: sink });
    const badTpdu = requestFrame(1);
    badTpdu[2] = 0x68;
    const badHeader = requestFrame(1);
    badHeader[9] = 0x0c;
    const cases: { name: string; wire: Buffer; code: string; field: string; offset: number; mti?: string }[] = [
      { name: 'unreadable MTI', wire: frameOf(hex('FF00 0020000000000000')), code: 'ISO_ERR_MTI', field: 'mti', offset: 11 },
      { name: 'a response sent to the host', wire: frameOf(hex('0210 0020')), code: 'ISO_ERR_BITMAP', field: 'bitmap', offset: 13, mti: '0210' },
      { name: 'TPDU and header only', wire: hex('000B 6000030000 603100310000'), code: 'ISO_ERR_MTI', field: 'mti', offset: 11 },
      { name: 'bad TPDU id', wire: badTpdu, code: 'ISO_ERR_FRAME_HEADER', field: 'tpdu.id', offset: 0 },
      { name: 'bad header nibble', wire: badHeader, code: 'ISO_ERR_FRAME_HEADER', field: 'header.processingRequirement', offset: 7 },
      { name: 'too short for TPDU and header', wire: hex('0005 6000030000'), code: 'ISO_ERR_FRAME_HEADER', field: 'tpdu', offset: 0 },
      { name: 'oversize length', wire: hex('2001 6000030000'), code: 'ISO_ERR_FRAME_TOO_LARGE', field: 'length', offset: 0 },
      // A good frame, then an oversize prefix in the same write: the offset is in the stream.
      { name: 'oversize after a frame', wire: Buffer.concat([requestFrame(5), hex('FFFF')]), code: 'ISO_ERR_FRAME_TOO_LARGE', field: 'length', offset: requestFrame(5).length },
    ];
    for (const [index, testCase] of cases.entries()) {
      const client = await servers.connect(address);
      client.send(testCase.wire);
      await client.waitClosed();
      const event = events[index];
      expect(event, testCase.name).toMatchObject({ errorCode: testCase.code, field: testCase.field, offset: testCase.offset, reaction: 'connection-closed' });
      expect(event?.mti, testCase.name).toBe(testCase.mti);
    }
    expect(server.counters).toMatchObject({ framesMalformed: cases.length, formatErrorReplies: 0 });
  });

  it('closes a connection after malformedFramesPerConnectionMax malformed frames, the last one answered', async () => {
    const { events, sink } = collector();
    const { address } = await servers.start({ securityEvents: sink, limits: { malformedFramesPerConnectionMax: 3 } });
    const client = await servers.connect(address);
    for (let index = 1; index <= 3; index++) {
      client.send(frameOf(saleWithBadField60(String(index).padStart(6, '0')).message));
      expect((await client.nextReply()).message.get(11)).toBe(String(index).padStart(6, '0'));
    }
    await client.waitClosed();
    expect(events.map((event) => event.reaction)).toEqual(['format-error-reply', 'format-error-reply', 'format-error-reply']);
  });

  it('an honest terminal keeps transacting while others send every kind of malformed frame', async () => {
    const { events, sink } = collector();
    const { server, address } = await servers.start({ securityEvents: sink });
    const honest = await servers.connect(address);
    const honestRun = honestTerminal(honest, 1000, 200);
    const attacks = [frameOf(saleWithBadField60().message), frameOf(hex('FFFF')), hex('FFFF'), hex('0003 600000'), frameOf(hex('0800 FF'))];
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        attacks.map(async (wire) => {
          const attacker = await servers.connect(address);
          attacker.send(wire);
          attacker.send(Buffer.alloc(64, 0xff));
          await attacker.waitClosed();
        }),
      );
    }
    expect(await within(honestRun, 'the honest terminal', 20_000)).toBe(200);
    expect(honest.isClosed).toBe(false);
    expect(events.length).toBeGreaterThanOrEqual(25);
    expect(server.counters.framesOut).toBeGreaterThanOrEqual(200);
  });

  it('a security-event sink that throws or rejects does not disturb the channel', async () => {
    let calls = 0;
    const { address } = await servers.start({
      securityEvents: () => {
        calls++;
        if (calls === 1) throw new Error('sink down');
        return Promise.reject(new Error('sink down'));
      },
    });
    const client = await servers.connect(address);
    client.send(frameOf(saleWithBadField60().message));
    expect((await client.nextReply()).message.get(39)).toBe('30');
    client.send(frameOf(saleWithBadField60().message));
    expect((await client.nextReply()).message.get(39)).toBe('30');
    await client.transact(9);
    expect(calls).toBe(2);
  });
});

describe.each(databases)('malformed frames in the audit log ($name)', (database) => {
  it('each refused frame is one security.malformed-frame row, with address, code and offset and no card data', async () => {
    const store = await database.open([auditMigrations]);
    try {
      const audit = new AuditLog({ store, clock: steppingClock(), chainKey: testChainKey });
      const { address } = await servers.start({ securityEvents: (event) => audit.append(channelSecurityAuditEvent(event)).then(() => undefined) });
      const garbled = await servers.connect(address);
      const { message, field60Offset } = saleWithBadField60();
      garbled.send(frameOf(message));
      expect((await garbled.nextReply()).message.get(39)).toBe('30');
      const badTpdu = frameOf(message);
      badTpdu[2] = 0x00;
      const closed = await servers.connect(address);
      closed.send(badTpdu);
      await closed.waitClosed();
      let rows = await readAuditTail(store, 10);
      await eventually(async () => {
        rows = await readAuditTail(store, 10);
        return rows.length === 2;
      }, 'two audit rows');
      for (const row of rows) {
        expect(row).toMatchObject({ actor: 'system', action: 'security.malformed-frame', source: 'ip:127.0.0.1', outcome: 'denied' });
        expect(row.target).toMatch(/^connection:conn_[g-z]{16}$/);
        expect(row.details).not.toContain(pan);
        expect(row.details).not.toContain(pan.slice(0, 12));
        expect(row.details).not.toContain(message.toString('hex').slice(0, 24));
      }
      const [first, second] = rows.map((row) => JSON.parse(row.details) as Record<string, unknown>);
      expect(first).toMatchObject({ errorCode: 'ISO_ERR_LENGTH', field: '60', offset: 11 + field60Offset, mti: '0200', reaction: 'format-error-reply' });
      expect(second).toMatchObject({ errorCode: 'ISO_ERR_FRAME_HEADER', field: 'tpdu.id', offset: 0, reaction: 'connection-closed' });
      expect((await verifyAuditLog(store, { chainKey: testChainKey })).intact).toBe(true);
    } finally {
      await servers.stopAll();
      await store.close();
    }
  });
});
