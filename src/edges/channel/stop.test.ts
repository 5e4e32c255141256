import { afterEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { ChannelServer } from './channel-server.js';
import { echoHandler, echoReply, eventually, gate, handlerOf, requestFrame, TestClient, TestServers, within } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

describe('start and stop', () => {
  it('graceful stop: accepts nothing more, finishes the request in flight, writes its reply, then closes', async () => {
    const release = gate();
    let started = 0;
    const { server, address } = await servers.start({
      handler: handlerOf(async (request) => {
        started++;
        await release.promise;
        return { reply: echoReply(request) };
      }),
    });
    const busy = await servers.connect(address);
    const idle = await servers.connect(address);
    busy.send(requestFrame(1));
    await eventually(() => started === 1, 'the request to reach the handler');
    const stopped = server.stop();
    await idle.waitClosed();
    await expect(TestClient.connect(address)).rejects.toThrow();
    expect(busy.isClosed).toBe(false);
    release.open();
    expect((await busy.nextReply()).message.get(11)).toBe('000001');
    await busy.waitClosed();
    await within(stopped, 'stop to resolve');
    expect(server.counters.connectionsOpen).toBe(0);
    expect(server.stop()).toBe(stopped);
  });

  it('closes what is left once stopDrainTimeoutMs has passed, aborting the handler', async () => {
    let signal: AbortSignal | undefined;
    const { server, address } = await servers.start({
      limits: { stopDrainTimeoutMs: 300, handlerTimeoutMs: 60_000 },
      handler: handlerOf((request) => {
        signal = request.signal;
        return new Promise(() => undefined);
      }),
    });
    const client = await servers.connect(address);
    client.send(requestFrame(1));
    await eventually(() => signal !== undefined, 'the request to reach the handler');
    await within(server.stop(), 'stop to resolve');
    await client.waitClosed();
    expect(signal?.aborted).toBe(true);
    expect(server.counters.connectionsOpen).toBe(0);
  });

  it('start twice, start after stop, a port in use and bad listen options are refused with coded errors', async () => {
    const { server, address } = await servers.start();
    await expect(server.start({ host: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'CHANNEL_ERR_STATE' });
    const second = new ChannelServer({ handler: echoHandler });
    await expect(second.start({ host: '127.0.0.1', port: address.port })).rejects.toMatchObject({ code: 'CHANNEL_ERR_LISTEN', details: { reason: 'EADDRINUSE', port: address.port } });
    await second.stop();
    const third = new ChannelServer({ handler: echoHandler });
    await expect(third.start({ host: '127.0.0.1', port: 70_000 })).rejects.toMatchObject({ code: 'CHANNEL_ERR_CONFIG', details: { argument: 'port' } });
    await expect(third.start({ host: '', port: 0 })).rejects.toMatchObject({ code: 'CHANNEL_ERR_CONFIG', details: { argument: 'host' } });
    await third.stop();
    await expect(third.start({ host: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'CHANNEL_ERR_STATE' });
    expectBastionError(() => new ChannelServer({ handler: echoHandler, limits: { connectionsMax: 0 } }), 'CHANNEL_ERR_CONFIG', { argument: 'connectionsMax' });
  });

  it('stop during start closes the listener', async () => {
    const server = new ChannelServer({ handler: echoHandler });
    const starting = server.start({ host: '127.0.0.1', port: 0 });
    const stopping = server.stop();
    await expect(starting).rejects.toMatchObject({ code: 'CHANNEL_ERR_STATE' });
    await within(stopping, 'stop to resolve');
    expect(server.address).toBeUndefined();
    expect(server.counters.connectionsTotal).toBe(0);
  });
});
