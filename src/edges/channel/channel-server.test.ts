import { afterEach, describe, expect, it } from 'vitest';
import { hex } from '../../lib/errors/test-helpers.js';
import { decodeFrameBody, ProcessingRequirement } from '../../lib/iso8583/framing/index.js';
import { ChannelServer } from './channel-server.js';
import type { ChannelRequest } from './handler.js';
import { codec, echoReply, eventually, handlerOf, requestFrame, requestMessage, sleep, TestServers, within } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

describe('ChannelServer: requests and replies over a real socket', () => {
  it('answers a request with the handler reply in a frame: TPDU swapped, header echoed with the processing requirement', async () => {
    const seen: ChannelRequest[] = [];
    const { server, address } = await servers.start({
      nowMs: () => 1_700_000_000_000,
      handler: handlerOf((request) => {
        seen.push(request);
        return Promise.resolve({ reply: echoReply(request), processingRequirement: ProcessingRequirement.DownloadCapks });
      }),
    });
    expect(address.port).toBeGreaterThan(0);
    expect(server.address).toEqual(address);
    const client = await servers.connect(address);
    client.send(requestFrame(1));
    const body = await client.nextFrame();
    expect(body).toBeDefined();
    // Byte by byte up to the MTI: TPDU 60 0000 0003 (swapped), header 60 31 04 310000 (nibble 4), MTI 0830.
    expect((body as Buffer).subarray(0, 13).toString('hex')).toBe('6000000003' + '603104310000' + '0830');
    const frame = decodeFrameBody(body as Buffer);
    expect(frame.tpdu).toEqual({ id: 0x60, destination: 0x0000, source: 0x0003 });
    expect(frame.header.processingRequirement).toBe(ProcessingRequirement.DownloadCapks);
    const reply = codec.unpack(frame.message);
    expect(reply.mti).toBe('0830');
    expect(reply.get(11)).toBe('000001');
    expect(reply.get(39)).toBe('00');
    expect(reply.get(41)).toBe('T0000001');

    const [request] = seen as [ChannelRequest];
    expect(request.message.equals(requestMessage(1))).toBe(true);
    expect(request.unpacked.mti).toBe('0820');
    expect(request.tpdu).toEqual({ id: 0x60, destination: 0x0003, source: 0x0000 });
    expect(request.header.softwareVersion).toBe(0x31);
    expect(request.receivedAtMs).toBe(1_700_000_000_000);
    expect(request.connection.id).toMatch(/^conn_[g-z]{16}$/);
    expect(request.connection.remoteAddress).toBe('127.0.0.1');
    expect(request.connection.remotePort).toBe(client.socket.localPort);
    expect(request.connection.tlsClientSubject).toBeUndefined();
    expect(request.signal.aborted).toBe(false);
    expect(server.counters).toMatchObject({ connectionsOpen: 1, connectionsTotal: 1, framesIn: 1, framesOut: 1, framesMalformed: 0 });
    client.close();
    await eventually(() => server.counters.connectionsOpen === 0, 'the server to see the close');
  });

  it('serves many frames on one connection: coalesced into one write, and split at every byte', async () => {
    const { server, address } = await servers.start();
    const client = await servers.connect(address);
    // Twelve frames in one write: the in-flight bound (4) plus the queue (8).
    client.send(Buffer.concat(Array.from({ length: 12 }, (_, index) => requestFrame(100 + index))));
    const traces = new Set<string>();
    for (let index = 0; index < 12; index++) traces.add(String((await client.nextReply()).message.get(11)));
    expect([...traces].sort()).toEqual(Array.from({ length: 12 }, (_, index) => String(100 + index).padStart(6, '0')));
    // Three frames, each written one byte at a time, with keep-alives between them.
    const wire = Buffer.concat([requestFrame(200), hex('0000'), requestFrame(201), hex('0000 0000'), requestFrame(202)]);
    for (const byte of wire) {
      client.send(Buffer.from([byte]));
      await sleep(0);
    }
    for (const trace of [200, 201, 202]) expect((await client.nextReply()).message.get(11)).toBe(String(trace).padStart(6, '0'));
    // Frames cut across writes at odd places: a prefix alone, a frame and a half, the rest.
    const three = Buffer.concat([requestFrame(300), requestFrame(301), requestFrame(302)]);
    for (const [start, end] of [
      [0, 1],
      [1, 70],
      [70, three.length],
    ] as const) {
      client.send(three.subarray(start, end));
      await sleep(5);
    }
    for (const trace of [300, 301, 302]) expect((await client.nextReply()).message.get(11)).toBe(String(trace).padStart(6, '0'));
    expect(server.counters).toMatchObject({ framesIn: 18, framesOut: 18, keepAlivesIn: 3, framesMalformed: 0, overloadCloses: 0 });
    expect(client.isClosed).toBe(false);
  });

  it('serves 50 terminals at once, each with several transactions', async () => {
    const { server, address } = await servers.start();
    const clients = await Promise.all(Array.from({ length: 50 }, () => servers.connect(address)));
    const answered = await within(
      Promise.all(
        clients.map(async (client, index) => {
          let count = 0;
          for (let round = 0; round < 5; round++) {
            const reply = await client.transact(index * 10 + round, `T${String(index).padStart(7, '0')}`);
            expect(reply.get(41)).toBe(`T${String(index).padStart(7, '0')}`);
            count++;
          }
          return count;
        }),
      ),
      'every terminal to be answered',
      20_000,
    );
    expect(answered.reduce((sum, count) => sum + count, 0)).toBe(250);
    expect(server.counters).toMatchObject({ connectionsOpen: 50, connectionsTotal: 50, connectionsRefused: 0, framesIn: 250, framesOut: 250 });
    for (const client of clients) client.close();
    await eventually(() => server.counters.connectionsOpen === 0, 'every connection to be closed');
  });

  it('a handler answering undefined sends nothing and keeps the connection; { close: true } closes it', async () => {
    const { server, address } = await servers.start({
      handler: handlerOf((request) => {
        const trace = Number(request.unpacked.get(11));
        if (trace === 1) return Promise.resolve(undefined);
        if (trace === 2) return Promise.resolve({ close: true });
        return Promise.resolve({ reply: echoReply(request) });
      }),
    });
    const client = await servers.connect(address);
    client.send(requestFrame(1));
    await client.transact(3); // the reply to 3 is the next frame: 1 got none
    client.send(requestFrame(2));
    await client.waitClosed();
    expect(await client.nextFrame()).toBeUndefined();
    expect(server.counters).toMatchObject({ framesIn: 3, framesOut: 1, handlerErrors: 0 });
  });

  it('a handler that throws, rejects or returns nonsense: no reply, counted, the connection goes on', async () => {
    const { server, address } = await servers.start({
      handler: handlerOf((request) => {
        switch (Number(request.unpacked.get(11))) {
          case 1:
            throw new Error('a bug in the pipeline');
          case 2:
            return Promise.reject(new Error('a failed step'));
          case 3:
            return Promise.resolve({ reply: 'not bytes' } as never);
          case 4:
            return Promise.resolve({ reply: echoReply(request), processingRequirement: 12 } as never);
          case 5:
            return Promise.resolve({ reply: Buffer.alloc(0x10000) });
          default:
            return Promise.resolve({ reply: echoReply(request) });
        }
      }),
    });
    const client = await servers.connect(address);
    for (const trace of [1, 2, 3, 4, 5]) client.send(requestFrame(trace));
    await eventually(() => server.counters.handlerErrors === 5, 'five handler errors');
    await client.transact(6);
    expect(server.counters).toMatchObject({ framesIn: 6, framesOut: 1, handlerErrors: 5 });
  });

  it('a peer pipelining past the in-flight bound and its queue is closed; others are not affected', async () => {
    const { server, address } = await servers.start({ limits: { inFlightPerConnectionMax: 2, queuedFramesPerConnectionMax: 3 } });
    const honest = await servers.connect(address);
    const flooder = await servers.connect(address);
    flooder.send(Buffer.concat(Array.from({ length: 30 }, (_, index) => requestFrame(index))));
    await flooder.waitClosed();
    expect(server.counters.overloadCloses).toBe(1);
    await honest.transact(1);
    // Exactly the bound fits: 2 in flight + 3 queued.
    const fits = await servers.connect(address);
    fits.send(Buffer.concat(Array.from({ length: 5 }, (_, index) => requestFrame(index))));
    for (let index = 0; index < 5; index++) await fits.nextReply();
    expect(fits.isClosed).toBe(false);
  });

  it('closes a peer that does not read its replies once they pass the write bound', async () => {
    const replyBytes = 60_000;
    const { server, address } = await servers.start({
      limits: { writeBufferBytesMax: 64 * 1024, queuedFramesPerConnectionMax: 1024 },
      handler: handlerOf(() => Promise.resolve({ reply: Buffer.alloc(replyBytes, 0x30) })),
    });
    const honest = await servers.connect(address);
    const sink = await servers.connect(address);
    sink.socket.pause();
    // Enough replies to fill both kernels' socket buffers and then the channel's bound.
    for (let batch = 0; batch < 40 && server.counters.overloadCloses === 0; batch++) {
      sink.send(Buffer.concat(Array.from({ length: 20 }, (_, index) => requestFrame(batch * 20 + index))));
      await sleep(10);
    }
    await eventually(() => server.counters.overloadCloses === 1, 'the channel to close the peer that does not read');
    honest.send(requestFrame(1));
    const body = await honest.nextFrame();
    expect(body?.length).toBe(11 + replyBytes);
  });

  it('refuses a bad configuration with CHANNEL_ERR_CONFIG', () => {
    expect(() => new ChannelServer({ handler: undefined as never })).toThrow(expect.objectContaining({ code: 'CHANNEL_ERR_CONFIG', details: { argument: 'handler' } }));
  });
});
