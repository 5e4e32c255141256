import { afterEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { channelLimitsDefault, resolveChannelLimits, type ChannelLimits } from './limits.js';
import { echoReply, eventually, gate, handlerOf, requestFrame, TestServers } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

describe('resolveChannelLimits', () => {
  it('gives the defaults, with overrides on top', () => {
    expect(resolveChannelLimits()).toEqual(channelLimitsDefault);
    expect(resolveChannelLimits({ frameBytesMax: 4096, idleTimeoutMs: undefined } as unknown as Partial<ChannelLimits>)).toEqual({ ...channelLimitsDefault, frameBytesMax: 4096 });
    expect(channelLimitsDefault.frameBytesMax).toBe(8192);
    expect(channelLimitsDefault.inFlightPerConnectionMax).toBe(4);
  });

  it('refuses values out of range, unknown names and an impossible pair with CHANNEL_ERR_CONFIG', () => {
    const bad: [string, number | string][] = [
      ['frameBytesMax', 12],
      ['frameBytesMax', 65536],
      ['connectionsMax', 0],
      ['inFlightPerConnectionMax', 1.5],
      ['idleTimeoutMs', 2 ** 31],
      ['handlerTimeoutMs', Number.NaN],
      ['frameCompletionTimeoutMs', '1000'],
      ['queuedFramesPerConnectionMax', -1],
      ['bogusMax', 1],
    ];
    for (const [name, value] of bad) {
      expectBastionError(() => resolveChannelLimits({ [name]: value }), 'CHANNEL_ERR_CONFIG', { argument: name });
    }
    expectBastionError(() => resolveChannelLimits({ connectionsMax: 10, connectionsPerAddressMax: 11 }), 'CHANNEL_ERR_CONFIG', { argument: 'connectionsPerAddressMax' });
    expect(resolveChannelLimits({ queuedFramesPerConnectionMax: 0, frameBytesMax: 13 }).queuedFramesPerConnectionMax).toBe(0);
  });
});

describe('connection limits', () => {
  it('refuses connections over connectionsMax, and accepts again once one closes', async () => {
    const { server, address } = await servers.start({ limits: { connectionsMax: 3, connectionsPerAddressMax: 3 } });
    const open = [await servers.connect(address), await servers.connect(address), await servers.connect(address)];
    await eventually(() => server.counters.connectionsOpen === 3, 'three open connections');
    const refused = await servers.connect(address);
    await refused.waitClosed();
    expect(server.counters).toMatchObject({ connectionsOpen: 3, connectionsRefused: 1, connectionsTotal: 3 });
    for (const [index, client] of open.entries()) await client.transact(index);
    open[0]?.close();
    await eventually(() => server.counters.connectionsOpen === 2, 'the close to be seen');
    await (await servers.connect(address)).transact(9);
  });

  it('refuses connections over connectionsPerAddressMax from one address while another address is served', async () => {
    const { server, address } = await servers.start({ limits: { connectionsMax: 10, connectionsPerAddressMax: 2 } });
    const first = await servers.connect(address);
    const second = await servers.connect(address);
    await eventually(() => server.counters.connectionsOpen === 2, 'two open connections');
    const third = await servers.connect(address);
    await third.waitClosed();
    expect(server.counters.connectionsRefused).toBe(1);
    // 127.0.0.2 is another loopback address on Linux: a different peer as far as the channel can tell.
    const other = await servers.connect(address, { localAddress: '127.0.0.2' });
    await other.transact(1);
    await first.transact(2);
    await second.transact(3);
    expect(server.counters).toMatchObject({ connectionsOpen: 3, connectionsRefused: 1 });
  });

  it('hands at most inFlightPerConnectionMax requests of one connection to the handler at once; the rest wait', async () => {
    const release = gate();
    let running = 0;
    let runningMax = 0;
    const { server, address } = await servers.start({
      limits: { inFlightPerConnectionMax: 2, queuedFramesPerConnectionMax: 8 },
      handler: handlerOf(async (request) => {
        running++;
        runningMax = Math.max(runningMax, running);
        await release.promise;
        running--;
        return { reply: echoReply(request) };
      }),
    });
    const client = await servers.connect(address);
    for (let trace = 1; trace <= 6; trace++) client.send(requestFrame(trace));
    await eventually(() => server.counters.framesIn === 6 || running === 2, 'the first two requests to reach the handler');
    await eventually(() => running === 2, 'two requests in the handler');
    release.open();
    const traces: string[] = [];
    for (let index = 0; index < 6; index++) traces.push(String((await client.nextReply()).message.get(11)));
    expect(traces.sort()).toEqual(['000001', '000002', '000003', '000004', '000005', '000006']);
    expect(runningMax).toBe(2);
    expect(server.counters).toMatchObject({ framesIn: 6, framesOut: 6, overloadCloses: 0 });
  });
});
