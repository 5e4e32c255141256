import { afterEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { ChannelServer } from './channel-server.js';
import type { ChannelRequest } from './handler.js';
import { makeTestCertificates } from './test-certificates.js';
import { echoHandler, echoReply, eventually, handlerOf, requestFrame, TestClient, TestServers } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

const certificates = makeTestCertificates();

describe.skipIf(certificates === undefined)('TLS and mutual TLS', () => {
  const pki = certificates as NonNullable<typeof certificates>;
  const serverTls = { certificate: pki.serverCertificate, privateKey: pki.serverKey };
  const mutualTls = { ...serverTls, clientCa: pki.caCertificate };
  const trustServer = { ca: pki.caCertificate };

  function recordingHandler(): { requests: ChannelRequest[]; handler: ReturnType<typeof handlerOf> } {
    const requests: ChannelRequest[] = [];
    return {
      requests,
      handler: handlerOf((request) => {
        requests.push(request);
        return Promise.resolve({ reply: echoReply(request) });
      }),
    };
  }

  it('serves terminals over TLS; a plain-TCP client gets nothing and is closed', async () => {
    const { requests, handler } = recordingHandler();
    const { server, address } = await servers.start({ tls: serverTls, handler });
    expect(server.tls).toBe(true);
    expect(server.mutualTls).toBe(false);
    const client = await servers.connect(address, { tls: trustServer });
    await client.transact(1);
    await client.transact(2);
    expect(requests[0]?.connection.tlsClientSubject).toBeUndefined();
    const plain = await servers.connect(address);
    plain.send(requestFrame(3));
    await plain.waitClosed();
    expect(await plain.nextFrame()).toBeUndefined();
    expect(server.counters).toMatchObject({ framesIn: 2, tlsHandshakeFailures: 1 });
  });

  it('under mutual TLS serves a terminal with a certificate from the CA and names its subject', async () => {
    const { requests, handler } = recordingHandler();
    const { server, address } = await servers.start({ tls: mutualTls, handler });
    expect(server.mutualTls).toBe(true);
    const client = await servers.connect(address, { tls: { ...trustServer, cert: pki.clientCertificate, key: pki.clientKey } });
    await client.transact(1);
    expect(requests[0]?.connection.tlsClientSubject).toBe(pki.clientSubject);
    expect(requests[0]?.connection.remoteAddress).toBe('127.0.0.1');
  });

  it('under mutual TLS refuses a client without a certificate, or with one from another CA, while others are served', async () => {
    const { server, address } = await servers.start({ tls: mutualTls });
    const good = await servers.connect(address, { tls: { ...trustServer, cert: pki.clientCertificate, key: pki.clientKey } });
    for (const [name, options] of [
      ['no certificate', trustServer],
      ['a certificate from another CA', { ...trustServer, cert: pki.rogueClientCertificate, key: pki.rogueClientKey }],
    ] as const) {
      // With TLS 1.3 the client finishes its side of the handshake before the server refuses it.
      const refused = await TestClient.connect(address, { tls: options }).catch(() => undefined);
      if (refused !== undefined) {
        refused.send(requestFrame(9));
        await refused.waitClosed();
        expect(await refused.nextFrame(), name).toBeUndefined();
      }
      await good.transact(1);
    }
    await eventually(() => server.counters.tlsHandshakeFailures === 2, 'two refused handshakes');
    expect(server.counters.framesIn).toBe(2);
  });

  it('closes a connection that never completes its handshake', async () => {
    const { server, address } = await servers.start({ tls: serverTls, limits: { tlsHandshakeTimeoutMs: 300 } });
    const silent = await servers.connect(address);
    await silent.waitClosed();
    expect(server.counters.tlsHandshakeFailures).toBe(1);
    await eventually(() => server.counters.connectionsOpen === 0, 'the server to see the close');
  });

  it('refuses incomplete or unloadable TLS settings without quoting them', () => {
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { certificate: pki.serverCertificate, privateKey: '' } }), 'CHANNEL_ERR_CONFIG', { argument: 'tls.privateKey' });
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { certificate: '', privateKey: pki.serverKey } }), 'CHANNEL_ERR_CONFIG', { argument: 'tls.certificate' });
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { ...mutualTls, clientCa: '' } }), 'CHANNEL_ERR_CONFIG', { argument: 'tls.clientCa' });
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { ...serverTls, minVersion: 'TLSv1' as never } }), 'CHANNEL_ERR_CONFIG', { argument: 'tls.minVersion' });
    // The client's key does not belong to the server certificate.
    const keyBody = pki.clientKey.split('\n').slice(1, 3).join('');
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { certificate: pki.serverCertificate, privateKey: pki.clientKey } }), 'CHANNEL_ERR_TLS', {}, [keyBody]);
    expectBastionError(() => new ChannelServer({ handler: echoHandler, tls: { certificate: 'not a certificate', privateKey: pki.serverKey } }), 'CHANNEL_ERR_TLS');
  });
});
