import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { decodeFrameBody, encodeFrame, FrameSplitter, type Frame, type Tpdu, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import { ChannelServer, type ChannelAddress, type ChannelServerOptions } from './channel-server.js';
import type { ChannelHandler, ChannelRequest, ChannelResponse } from './handler.js';
import { eventually as eventuallyWithin } from '../../lib/testing/test-eventually.js';

/**
 * Test support for the channel (left out of the build by its `test-*` name): a terminal-like
 * client over a real socket, request frames, an echo handler and bounded waits. Every wait here
 * has a limit and fails with a message naming what did not happen; no test asserts a duration.
 */

export const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);

export const terminalTpdu: Tpdu = { id: 0x60, destination: 0x0003, source: 0x0000 };
export const terminalHeader: UnionPayHeader = { applicationType: 0x60, softwareVersion: 0x31, terminalStatus: 0, processingRequirement: 0, subVersion: 0x310000 };

/** A bound for waits that should end almost at once on a healthy machine. */
export const waitMs = 5_000;

/** An echo-test request (0820) with trace `trace`, from terminal `terminalId`. */
export function requestMessage(trace: number, terminalId = 'T0000001'): Buffer {
  return codec.pack(
    new IsoMessage(unionPayPosSpec, '0820', {
      11: String(trace).padStart(6, '0'),
      41: terminalId,
      42: '123456789012345',
      60: { typeCode: '00', batchNumber: '000001', networkCode: '301' },
    }),
  );
}

/** A whole frame (length, TPDU, header, message) around `message`. */
export function frameOf(message: Uint8Array, tpdu: Tpdu = terminalTpdu, header: UnionPayHeader = terminalHeader): Buffer {
  return encodeFrame({ tpdu, header, message });
}

export function requestFrame(trace: number, terminalId?: string): Buffer {
  return frameOf(requestMessage(trace, terminalId));
}

/** Answers every request with MTI + 10, its 11, 41 and 42, and 39 = 00. */
export function echoReply(request: ChannelRequest): Buffer {
  const mti = request.unpacked.mti;
  const reply = new IsoMessage(unionPayPosSpec, `${mti.slice(0, 2)}${String(Number(mti.charAt(2)) + 1)}${mti.slice(3)}`);
  for (const field of [11, 41, 42] as const) {
    const value = request.unpacked.get(field);
    if (value !== undefined) reply.set(field, value);
  }
  reply.set(39, '00');
  return codec.pack(reply);
}

export const echoHandler: ChannelHandler = {
  handle: (request) => Promise.resolve({ reply: echoReply(request) }),
};

/** A handler from a function, for tests that want to see or steer each call. */
export function handlerOf(handle: (request: ChannelRequest) => Promise<ChannelResponse>): ChannelHandler {
  return { handle };
}

/** Rejects with `what` unless `promise` settles within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = waitMs): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs` (the channel tests' default wait). */
export function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = waitMs): Promise<void> {
  return eventuallyWithin(check, what, timeoutMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve function, for handlers that wait until the test lets them go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A terminal over a real socket: writes bytes as given (so tests can split, merge or corrupt
 * frames) and reads the replies back as frames.
 */
export class TestClient {
  readonly socket: Socket;
  readonly #splitter = new FrameSplitter({ frameBytesMax: 0xffff });
  readonly #frames: Buffer[] = [];
  readonly #waiters: ((frame: Buffer | undefined) => void)[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) {
        const waiter = this.#waiters.shift();
        if (waiter === undefined) this.#frames.push(frame);
        else waiter(frame);
      }
    });
    // Resets and TLS alerts are expected in the tests that provoke them; 'close' follows.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      });
    });
  }

  /** Connects over TCP, or TLS with `tls` options; resolves once connected (and, under TLS, once the client's handshake is done). */
  static async connect(address: ChannelAddress, options: { tls?: ConnectionOptions; localAddress?: string } = {}): Promise<TestClient> {
    const socket =
      options.tls === undefined
        ? connectTcp({ host: address.host, port: address.port, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) })
        : connectTls({ host: address.host, port: address.port, ...options.tls });
    const client = new TestClient(socket);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
          resolve();
        });
        socket.once('close', () => {
          reject(new Error('the connection closed before it was established'));
        });
      }),
      'the connection',
    );
    return client;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next reply frame's body (after the length), or undefined if the connection closed first. */
  nextFrame(timeoutMs = waitMs): Promise<Buffer | undefined> {
    const ready = this.#frames.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#closed) return Promise.resolve(undefined);
    return within(
      new Promise<Buffer | undefined>((resolve) => {
        this.#waiters.push(resolve);
      }),
      'a reply frame',
      timeoutMs,
    );
  }

  /** The next reply, decoded; fails if the connection closed instead. */
  async nextReply(timeoutMs = waitMs): Promise<{ frame: Frame; message: IsoMessage<UnionPayPosSpec> }> {
    const body = await this.nextFrame(timeoutMs);
    if (body === undefined) throw new Error('the connection closed instead of replying');
    const frame = decodeFrameBody(body);
    return { frame, message: codec.unpack(frame.message) };
  }

  /** Sends one request and checks that its reply comes back with the same trace. */
  async transact(trace: number, terminalId?: string): Promise<IsoMessage<UnionPayPosSpec>> {
    this.send(requestFrame(trace, terminalId));
    const { message } = await this.nextReply();
    if (message.get(11) !== String(trace).padStart(6, '0')) throw new Error(`a reply for trace ${String(message.get(11))} came instead of ${trace}`);
    return message;
  }

  /** Resolves once the server has closed the connection; fails after `timeoutMs`. */
  waitClosed(timeoutMs = waitMs): Promise<void> {
    return within(this.closed, 'the server to close the connection', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Starts servers on 127.0.0.1, port 0, and stops them all at the end of each test. */
export class TestServers {
  readonly #servers: ChannelServer[] = [];
  readonly #clients: TestClient[] = [];

  async start(options: Partial<ChannelServerOptions> = {}): Promise<{ server: ChannelServer; address: ChannelAddress }> {
    const server = new ChannelServer({ handler: echoHandler, ...options });
    this.#servers.push(server);
    const address = await server.start({ host: '127.0.0.1', port: 0 });
    return { server, address };
  }

  async connect(address: ChannelAddress, options: { tls?: ConnectionOptions; localAddress?: string } = {}): Promise<TestClient> {
    const client = await TestClient.connect(address, options);
    this.#clients.push(client);
    return client;
  }

  async stopAll(): Promise<void> {
    for (const client of this.#clients.splice(0)) client.close();
    await within(Promise.all(this.#servers.splice(0).map((server) => server.stop())), 'the servers to stop', 15_000);
  }
}

/** Runs `count` transactions one after another on one connection; resolves to how many were answered. */
export async function honestTerminal(client: TestClient, firstTrace: number, count: number): Promise<number> {
  let answered = 0;
  for (let index = 0; index < count; index++) {
    await client.transact(firstTrace + index);
    answered++;
  }
  return answered;
}
