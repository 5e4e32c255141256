import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelRequest } from './handler.js';
import { echoReply, eventually, gate, handlerOf, honestTerminal, requestFrame, sleep, TestServers, within } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

describe('timeouts', () => {
  it('a slow-loris client (one byte every 200 ms) is cut off by the frame-completion timeout while honest terminals get answers', async () => {
    const { server, address } = await servers.start({ limits: { frameCompletionTimeoutMs: 1_000 } });
    const honest = await Promise.all(Array.from({ length: 3 }, () => servers.connect(address)));
    const loris = await servers.connect(address);
    const frame = requestFrame(1);
    let sent = 0;
    const drip = (async () => {
      // The whole frame would take about 10 s; the bound is 1 s.
      for (const byte of frame) {
        if (loris.isClosed) return;
        loris.send(Buffer.from([byte]));
        sent++;
        await sleep(200);
      }
    })();
    const answered = await within(
      Promise.all(
        honest.map(async (client, index) => {
          let count = 0;
          // Keep transacting until the slow client has been cut off.
          while (!loris.isClosed) {
            count += await honestTerminal(client, index * 1000 + count, 1);
            await sleep(20);
          }
          return count;
        }),
      ),
      'the slow client to be cut off',
      10_000,
    );
    await drip;
    expect(sent).toBeLessThan(frame.length);
    expect(answered.every((count) => count > 0)).toBe(true);
    expect(server.counters).toMatchObject({ frameTimeouts: 1, framesMalformed: 0 });
    expect(loris.isClosed).toBe(true);
    for (const client of honest) expect(client.isClosed).toBe(false);
  });

  it('a frame that arrives in a few pieces within the bound is served: the timer runs per frame, not per byte', async () => {
    const { server, address } = await servers.start({ limits: { frameCompletionTimeoutMs: 2_000 } });
    const client = await servers.connect(address);
    for (let trace = 1; trace <= 3; trace++) {
      const frame = requestFrame(trace);
      for (const [start, end] of [
        [0, 1],
        [1, 20],
        [20, frame.length],
      ] as const) {
        client.send(frame.subarray(start, end));
        await sleep(50);
      }
      expect((await client.nextReply()).message.get(11)).toBe(String(trace).padStart(6, '0'));
    }
    expect(server.counters.frameTimeouts).toBe(0);
  });

  it('a connection with no complete frame within the idle timeout is closed, also after a transaction', async () => {
    const { server, address } = await servers.start({ limits: { idleTimeoutMs: 300 } });
    const silent = await servers.connect(address);
    await silent.waitClosed();
    const talker = await servers.connect(address);
    await talker.transact(1);
    await talker.waitClosed();
    expect(server.counters.idleTimeouts).toBe(2);
  });

  it('the idle timer does not close a connection waiting for its handler', async () => {
    const release = gate();
    const { server, address } = await servers.start({
      limits: { idleTimeoutMs: 200, handlerTimeoutMs: 5_000 },
      handler: handlerOf(async (request) => {
        await release.promise;
        return { reply: echoReply(request) };
      }),
    });
    const client = await servers.connect(address);
    client.send(requestFrame(1));
    await sleep(600);
    expect(client.isClosed).toBe(false);
    release.open();
    expect((await client.nextReply()).message.get(11)).toBe('000001');
    await client.waitClosed();
    expect(server.counters.idleTimeouts).toBe(1);
  });

  it('a handler that does not answer in time: no reply, its signal aborted, the connection goes on', async () => {
    const signals: AbortSignal[] = [];
    const { server, address } = await servers.start({
      limits: { handlerTimeoutMs: 200 },
      handler: handlerOf((request: ChannelRequest) => {
        if (request.unpacked.get(11) !== '000001') return Promise.resolve({ reply: echoReply(request) });
        signals.push(request.signal);
        // Answers only when told to give up, which is too late.
        return new Promise((resolve) => {
          request.signal.addEventListener('abort', () => {
            resolve({ reply: echoReply(request) });
          });
        });
      }),
    });
    const client = await servers.connect(address);
    client.send(requestFrame(1));
    await eventually(() => server.counters.handlerTimeouts === 1, 'the handler timeout');
    expect(signals[0]?.aborted).toBe(true);
    // The late answer was dropped: the next frame is the reply to trace 2.
    await client.transact(2);
    expect(server.counters).toMatchObject({ framesIn: 2, framesOut: 1, handlerTimeouts: 1, handlerErrors: 0 });
  });
});
