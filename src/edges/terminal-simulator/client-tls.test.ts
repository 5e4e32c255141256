import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../channel/test-certificates.js';
import { TestServers } from '../channel/test-channel.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { ApplicationType, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import { exchangeWithHost } from './client.js';
import { packPlain, signInRequest, simulatorCodec } from './messages.js';

const header: UnionPayHeader = { applicationType: ApplicationType.Magstripe, softwareVersion: 0x31, terminalStatus: 0, processingRequirement: 0, subVersion: 0x310000 };
const certificates = makeTestCertificates();
const servers = new TestServers();
afterEach(() => servers.stopAll());

describe.skipIf(certificates === undefined)('the simulator client over TLS and mutual TLS (the key file names PEM files)', () => {
  const pki = certificates as NonNullable<typeof certificates>;
  const dir = mkdtempSync(join(tmpdir(), 'bastion-simulator-tls-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const caFile = file('ca.pem', pki.caCertificate);
  const certFile = file('client.pem', pki.clientCertificate);
  const keyFile = file('client.key', pki.clientKey);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const request = packPlain(signInRequest({ terminalId: 'T0000001', merchantId: '102581054110001', batchNumber: '000001' }, 1));

  it('exchanges over mutual TLS with the CA, certificate and key from files', async () => {
    const { address } = await servers.start({ tls: { certificate: pki.serverCertificate, privateKey: pki.serverKey, clientCa: pki.caCertificate } });
    const reply = simulatorCodec.unpack(await exchangeWithHost({ host: '127.0.0.1', port: address.port, tls: { caFile, certFile, keyFile } }, request, { header, timeoutMs: 5_000 }));
    expect([reply.mti, reply.get(11), reply.get(39)]).toEqual(['0810', '000001', '00']);
  });

  it('refuses a host whose certificate it cannot trust, and a missing file, as SIM_ERR_CONNECT', async () => {
    const { address } = await servers.start({ tls: { certificate: pki.serverCertificate, privateKey: pki.serverKey } });
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port: address.port, tls: {} }, request, { header, timeoutMs: 5_000 }), 'SIM_ERR_CONNECT');
    await expectBastionRejection(exchangeWithHost({ host: '127.0.0.1', port: address.port, tls: { caFile: join(dir, 'missing.pem') } }, request, { header, timeoutMs: 5_000 }), 'SIM_ERR_CONNECT', { file: 'CA' });
  });
});
