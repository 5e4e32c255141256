import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../adapters/log/index.js';
import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../../lib/iso8583/index.js';
import { HostMetrics, replySummaryFieldNames } from '../../http/host-metrics.js';
import { replyLineObserver } from './reply-line.js';

const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);
const pan = '6212345678901234567';
const track2 = `${pan}=2912201100000`;
const pinBlock = '8E37F451C21B66E2';
const arqc = '29CCA15AE665FA2E';
const secrets = [pan, pan.slice(0, 12), pan.slice(-12), track2, track2.replace('=', 'D'), pinBlock, arqc, '29122011'];

function capture(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const written: string[] = [];
  const logger = createLogger({ level: 'info', name: 'bastion', destination: { write: (line: string) => written.push(line) } }).child({ area: 'host' });
  return { logger, lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>), text: () => written.join('') };
}

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text.toUpperCase(), `log shows ${secret.slice(0, 4)}…`).not.toContain(secret.toUpperCase());
}

describe('the host reply line', () => {
  it('a reply carrying a PAN, track, PIN block and cryptogram logs none of them, and keeps every field', () => {
    const { logger, lines, text } = capture();
    const observe = replyLineObserver(logger, new HostMetrics());
    const reply = codec.pack(
      new IsoMessage(unionPayPosSpec, '0210', {
        2: pan,
        11: '000123',
        35: track2,
        39: '00',
        41: '10000001',
        42: '898310048160001',
        52: Buffer.from(pinBlock, 'hex'),
        55: Buffer.from(`9F2608${arqc}`, 'hex'),
      }),
    );
    expect(reply.toString('hex').toUpperCase()).toContain(pinBlock);
    observe({ requestMti: '0200', reply, durationSeconds: 0.0042 });
    // Card-like text where the request MTI goes, and bytes that are not a message at all.
    observe({ requestMti: pan, reply, durationSeconds: 0.001 });
    observe({ requestMti: `0200${pinBlock}`, reply: Buffer.from(`0210${pan}${pinBlock}`, 'latin1'), durationSeconds: 0.001 });
    observe({ requestMti: track2, reply: undefined, durationSeconds: 0.001 });
    expectNoSecret(text());
    const [first, second, third, fourth] = lines();
    expect(first).toMatchObject({ name: 'bastion', area: 'host', requestMti: '0200', replyMti: '0210', responseCode: '00', terminalId: '10000001', trace: '000123', durationMs: 4.2, msg: 'reply' });
    expect(Object.keys(first ?? {})).toEqual(['level', 'time', 'pid', 'hostname', 'name', 'area', ...replySummaryFieldNames, 'msg']);
    expect(second).toMatchObject({ requestMti: 'unknown', replyMti: '0210', terminalId: '10000001', msg: 'reply' });
    expect(third).toMatchObject({ requestMti: 'unknown', replyMti: 'unknown', responseCode: 'unknown', msg: 'reply' });
    expect(fourth).toMatchObject({ requestMti: 'unknown', replyMti: 'none', responseCode: 'none', durationMs: 1, msg: 'reply' });
  });
});
