import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { BastionError, errorCodeOf } from '../../lib/errors/index.js';
import { decodeFrameBody, encodeFrame, FrameSplitter, type Tpdu, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import type { SimulatorHostAddress } from './state.js';

/** How long one exchange (connect, send, reply) may take unless `--timeout-ms` says otherwise. */
export const EXCHANGE_TIMEOUT_MS_DEFAULT = 30_000;
export const EXCHANGE_TIMEOUT_MS_MAX = 600_000;
/** The largest reply frame accepted (the host's own channel bound is 8 KiB). */
export const REPLY_FRAME_BYTES_MAX = 8_192;

/** The terminal's TPDU: to NII 0003 (the host), from 0000. */
export const terminalTpdu: Tpdu = { id: 0x60, destination: 0x0003, source: 0x0000 };

export interface ExchangeOptions {
  readonly timeoutMs?: number;
  /** UnionPay header: application type 0x61 after a chip read, 0x60 otherwise. */
  readonly header: UnionPayHeader;
  /** Told the reply's header (its processing-requirement nibble says what the host wants next). */
  readonly onReplyHeader?: (header: UnionPayHeader) => void;
}

/**
 * One request, one reply, one connection, as a dial-up or GPRS POS terminal does it: connect
 * (TCP, or TLS when the address says so), send the frame, read exactly one reply frame of at most
 * `REPLY_FRAME_BYTES_MAX` bytes, close. The whole exchange is bounded by `timeoutMs`.
 * Returns the reply's ISO 8583 bytes (MTI onward).
 */
export async function exchangeWithHost(address: SimulatorHostAddress, message: Buffer, options: ExchangeOptions): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? EXCHANGE_TIMEOUT_MS_DEFAULT;
  const frame = encodeFrame({ tpdu: terminalTpdu, header: options.header, message });
  const socket = openSocket(address);
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    let connected = false;
    const splitter = new FrameSplitter({ frameBytesMax: REPLY_FRAME_BYTES_MAX });
    const finish = (outcome: { reply: Buffer } | { error: BastionError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if ('reply' in outcome) resolve(outcome.reply);
      else reject(outcome.error);
    };
    const timer = setTimeout(() => {
      finish({ error: new BastionError('SIM_ERR_TIMEOUT', `the host did not answer within ${timeoutMs} ms`, { timeoutMs }) });
    }, timeoutMs);
    socket.once(address.tls === undefined ? 'connect' : 'secureConnect', () => {
      connected = true;
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch {
        finish({ error: new BastionError('SIM_ERR_RESPONSE', `the host sent a reply frame over ${REPLY_FRAME_BYTES_MAX} bytes`, { frameBytesMax: REPLY_FRAME_BYTES_MAX }) });
        return;
      }
      const body = frames[0];
      if (body === undefined) return;
      try {
        const decoded = decodeFrameBody(body);
        options.onReplyHeader?.(decoded.header);
        finish({ reply: Buffer.from(decoded.message) });
      } catch (error) {
        finish({ error: new BastionError('SIM_ERR_RESPONSE', 'the host reply frame is malformed (length, TPDU or header)', { cause: errorCodeOf(error) }) });
      }
    });
    socket.on('error', (error: Error) => {
      if (connected) {
        finish({ error: new BastionError('SIM_ERR_RESPONSE', 'the connection to the host failed before a reply came', { cause: errorCodeOf(error) }) });
      } else {
        finish({ error: connectError(address, error) });
      }
    });
    socket.on('close', () => {
      if (connected) finish({ error: new BastionError('SIM_ERR_RESPONSE', 'the host closed the connection without replying', {}) });
      else finish({ error: new BastionError('SIM_ERR_CONNECT', `could not connect to the host at ${address.host}:${address.port}`, { host: address.host, port: address.port }) });
    });
  });
}

function openSocket(address: SimulatorHostAddress): Socket {
  const tls = address.tls;
  if (tls === undefined) return connectTcp({ host: address.host, port: address.port });
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch {
      throw new BastionError('SIM_ERR_CONNECT', `cannot read the TLS ${what} file named in the key file`, { file: what });
    }
  };
  const ca = read(tls.caFile, 'CA');
  const cert = read(tls.certFile, 'certificate');
  const key = read(tls.keyFile, 'private key');
  return connectTls({
    host: address.host,
    port: address.port,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
  });
}

function connectError(address: SimulatorHostAddress, error: Error): BastionError {
  const code = errorCodeOf(error);
  return new BastionError('SIM_ERR_CONNECT', `could not connect to the host at ${address.host}:${address.port} (${code})`, { host: address.host, port: address.port, cause: code });
}
