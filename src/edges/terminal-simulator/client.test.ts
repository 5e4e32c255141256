import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { ApplicationType, decodeFrameBody, encodeFrame, FrameSplitter, replyTpdu, replyUnionPayHeader, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import { exchangeWithHost, REPLY_FRAME_BYTES_MAX } from './client.js';

const header: UnionPayHeader = { applicationType: ApplicationType.Magstripe, softwareVersion: 0x31, terminalStatus: 0, processingRequirement: 0, subVersion: 0x310000 };

describe('the simulator client', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function serve(onFrame: (socket: Socket, body: Buffer) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.push(socket);
      const splitter = new FrameSplitter({ frameBytesMax: 0xffff });
      socket.on('data', (chunk: Buffer) => {
        for (const body of splitter.push(chunk)) onFrame(socket, body);
      });
      socket.on('error', () => undefined);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  it('sends one frame and returns the message of the one reply', async () => {
    const port = await serve((socket, body) => {
      const frame = decodeFrameBody(body);
      socket.write(encodeFrame({ tpdu: replyTpdu(frame.tpdu), header: replyUnionPayHeader(frame.header), message: Buffer.concat([Buffer.from('reply:'), frame.message]) }));
    });
    const reply = await exchangeWithHost({ host: '127.0.0.1', port }, Buffer.from('hello'), { header, timeoutMs: 5_000 });
    expect(reply.toString()).toBe('reply:hello');
  });

  it('gives up when the host does not answer in time (SIM_ERR_TIMEOUT)', async () => {
    const port = await serve(() => undefined);
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port }, Buffer.from('hello'), { header, timeoutMs: 50 }), 'SIM_ERR_TIMEOUT', { timeoutMs: 50 });
  });

  it('reports a refused connection as SIM_ERR_CONNECT and a closed one as SIM_ERR_RESPONSE', async () => {
    const closedPort = await serve(() => undefined);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port: closedPort }, Buffer.from('hello'), { header, timeoutMs: 5_000 }), 'SIM_ERR_CONNECT');
    const hangUp = await serve((socket) => socket.destroy());
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port: hangUp }, Buffer.from('hello'), { header, timeoutMs: 5_000 }), 'SIM_ERR_RESPONSE');
  });

  it('refuses a reply frame over its bound without reading it', async () => {
    const port = await serve((socket) => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(REPLY_FRAME_BYTES_MAX + 1);
      socket.write(length);
    });
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port }, Buffer.from('hello'), { header, timeoutMs: 5_000 }), 'SIM_ERR_RESPONSE', { frameBytesMax: REPLY_FRAME_BYTES_MAX });
  });
});
