import { describe, expect, it } from 'vitest';
import { storedEventFields } from '../../domain/audit/event.js';
import { hex } from '../../lib/errors/test-helpers.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { formatErrorReply, readableMti, replyMtiOf } from './format-error.js';
import { channelSecurityAuditEvent, type ChannelSecurityEvent } from './security-event.js';
import { codec, requestMessage } from './test-channel.js';

describe('replyMtiOf', () => {
  it('answers requests and advices with MTI + 10, and nothing else', () => {
    expect(['0100', '0200', '0220', '0320', '0400', '0500', '0620', '0800', '0820'].map(replyMtiOf)).toEqual([
      '0110',
      '0210',
      '0230',
      '0330',
      '0410',
      '0510',
      '0630',
      '0810',
      '0830',
    ]);
    for (const mti of ['0210', '0230', '0410', '0840', '0850', '0280', '0290']) expect(replyMtiOf(mti), mti).toBeUndefined();
  });
});

describe('formatErrorReply', () => {
  const unpack = (bytes: Buffer | undefined): IsoMessage => codec.unpack(bytes as Buffer);

  it('echoes 11, 41 and 42 when the failure comes after them; never other fields', () => {
    // A good 0820 with 11, 41, 42, 60, then one byte too many.
    const message = Buffer.concat([requestMessage(42), hex('00')]);
    const reply = unpack(formatErrorReply(codec, message));
    expect(reply.mti).toBe('0830');
    expect(reply.fieldNumbers()).toEqual([11, 39, 41, 42]);
    expect([reply.get(11), reply.get(39), reply.get(41), reply.get(42)]).toEqual(['000042', '30', 'T0000001', '123456789012345']);
  });

  it('stops at the first field that does not decode: 41 bad, so 11 only', () => {
    const good = codec.pack(new IsoMessage(unionPayPosSpec, '0200', { 11: '000007', 41: 'T0000001', 42: '123456789012345' }));
    // 41 starts after MTI (2), bitmap (8) and 11 (3); a control character is not ans.
    good[13] = 0x01;
    const reply = unpack(formatErrorReply(codec, good));
    expect(reply.fieldNumbers()).toEqual([11, 39]);
    expect(reply.get(11)).toBe('000007');
  });

  it('gives nothing when the MTI is unreadable, missing or not a request', () => {
    expect(formatErrorReply(codec, hex(''))).toBeUndefined();
    expect(formatErrorReply(codec, hex('02'))).toBeUndefined();
    expect(formatErrorReply(codec, hex('0A00 0000'))).toBeUndefined();
    expect(formatErrorReply(codec, hex('0810 00'))).toBeUndefined();
    expect(readableMti(codec, hex('0810 00'))).toBe('0810');
    expect(readableMti(codec, hex('0A00'))).toBeUndefined();
  });
});

describe('channelSecurityAuditEvent', () => {
  it('maps an event to an audit event the audit log accepts', () => {
    const event: ChannelSecurityEvent = {
      kind: 'malformed-frame',
      atMs: 1,
      connection: { id: 'conn_ghjkmnpqrstvwxyz', remoteAddress: '::ffff:203.0.113.7', remotePort: 40000, tlsClientSubject: 'CN=T0000001,O=Acme Payments' },
      errorCode: 'ISO_ERR_LENGTH',
      field: '60',
      offset: 44,
      mti: '0200',
      reaction: 'format-error-reply',
    };
    const audit = channelSecurityAuditEvent(event);
    expect(audit).toEqual({
      actor: 'system',
      action: 'security.malformed-frame',
      target: 'connection:conn_ghjkmnpqrstvwxyz',
      source: 'ip:::ffff:203.0.113.7',
      outcome: 'denied',
      details: {
        kind: 'malformed-frame',
        errorCode: 'ISO_ERR_LENGTH',
        reaction: 'format-error-reply',
        remotePort: 40000,
        field: '60',
        offset: 44,
        mti: '0200',
        tlsClientSubject: 'CN=T0000001,O=Acme Payments',
      },
    });
    expect(() => storedEventFields(audit)).not.toThrow();
    const { connection, atMs, errorCode, reaction } = event;
    const minimal = channelSecurityAuditEvent({ kind: 'malformed-frame', connection: { ...connection, tlsClientSubject: undefined } as never, atMs, errorCode, reaction });
    expect(Object.keys(minimal.details ?? {})).toEqual(['kind', 'errorCode', 'reaction', 'remotePort']);
  });
});
