import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isPostgresAvailable, testPostgresUrl } from '../../../adapters/store/test-databases.js';
import { IsoMessage, unionPayPosSpec } from '../../../lib/iso8583/index.js';
import { codec, frameOf, TestClient } from '../../channel/test-channel.js';
import { makeTestCertificates } from '../../channel/test-certificates.js';
import { parsePrometheusText, sampleSum } from '../../http/test-prometheus.js';
import { HostProcess, hostEnvironment, httpGet, runBastion } from './test-host-process.js';

/** `bastion serve` as a real process: refusals with coded errors and exit 2, and a host on PostgreSQL. */
const root = mkdtempSync(join(tmpdir(), 'bastion-serve-test-'));
let dataDirs = 0;
function freshDataDir(): string {
  dataDirs += 1;
  return join(root, `data-${dataDirs}`);
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('bastion serve refuses to start', () => {
  it('without an LMK: exit 2 with HSM_ERR_LMK_MISSING, nothing listening', () => {
    const result = runBastion(['serve', '--channel-port', '0', '--http-port', '0'], hostEnvironment({ BASTION_DATA_DIR: freshDataDir() }));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error HSM_ERR_LMK_MISSING: .*bastion keys ceremony/);
    expect(result.stdout).not.toContain('is running');
  });

  it('with the development LMK but without --dev: HSM_ERR_LMK_DEV_REFUSED', () => {
    const env = hostEnvironment({ BASTION_DATA_DIR: freshDataDir() });
    expect(runBastion(['keys', 'ceremony', '--dev'], env).status).toBe(0);
    const result = runBastion(['serve', '--channel-port', '0', '--http-port', '0'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error HSM_ERR_LMK_DEV_REFUSED: /m);
  });

  it('with --dev before the test cards are seeded: ISSUER_ERR_NOT_SEEDED says to run bastion cards seed', () => {
    const env = hostEnvironment({ BASTION_DATA_DIR: freshDataDir() });
    expect(runBastion(['keys', 'ceremony', '--dev'], env).status).toBe(0);
    const result = runBastion(['serve', '--dev', '--channel-port', '0', '--http-port', '0'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error ISSUER_ERR_NOT_SEEDED: .*bastion cards seed/m);
  });

  it.each([
    [['--channel-port', '70000'], {}, '--channel-port'],
    [['--http-port', 'eighty'], {}, '--http-port'],
    [[], { BASTION_CHANNEL_PORT: '-1' }, 'BASTION_CHANNEL_PORT'],
    [['--channel-host', 'http://0.0.0.0'], {}, '--channel-host'],
    [['--tls-cert', '/nonexistent/cert.pem'], {}, '--tls-key'],
    [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], {}, '--tls-cert'],
    [['--tls-client-ca', '/nonexistent/ca.pem'], {}, '--tls-client-ca'],
    [[], { BASTION_LOG_LEVEL: 'loud' }, 'BASTION_LOG_LEVEL'],
  ] as const)('with bad settings %j %j: exit 2 with SERVE_ERR_CONFIG naming %s', (args, extra, argument) => {
    const result = runBastion(['serve', '--dev', ...args], hostEnvironment({ BASTION_DATA_DIR: freshDataDir(), ...extra }));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error SERVE_ERR_CONFIG: /);
    expect(result.stderr).toContain(argument);
  });

  it('when the HTTP port is taken: SERVE_ERR_LISTEN, and the channel it had opened is closed again', async () => {
    const env = hostEnvironment({ BASTION_DATA_DIR: freshDataDir() });
    expect(runBastion(['keys', 'ceremony', '--dev'], env).status).toBe(0);
    expect(runBastion(['cards', 'seed', '--dev'], env).status).toBe(0);
    const first = new HostProcess(['serve', '--dev', '--channel-port', '0', '--http-port', '0'], { env });
    try {
      const port = (await first.waitForOutput(/health: +http:\/\/127\.0\.0\.1:(\d+)\/healthz/))[1] as string;
      const second = runBastion(['serve', '--dev', '--channel-port', '0', '--http-port', port], env);
      expect(second.status).toBe(2);
      expect(second.stderr).toMatch(/^error SERVE_ERR_LISTEN: .*port \d+/m);
      expect(await first.stop()).toEqual({ code: 0, signal: null });
    } finally {
      first.kill();
    }
  });
});

describe('bastion serve with a sealed LMK', () => {
  it('opens it with BASTION_LMK_PASSPHRASE, shows its KCV and no development warning; a wrong passphrase is refused', async () => {
    const dataDir = freshDataDir();
    const env = hostEnvironment({ BASTION_DATA_DIR: dataDir, BASTION_LMK_PASSPHRASE: 'a passphrase for the serve test' });
    const components = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const ceremony = runBastion(['keys', 'ceremony'], env, { input: `alice\n${components[0]}\nbob\n${components[1]}\n` });
    expect(ceremony.status).toBe(0);
    const kcv = (/LMK \(AES-128\) KCV: ([0-9A-F]{6})/.exec(ceremony.stdout) ?? [])[1] as string;
    expect(kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(runBastion(['cards', 'seed'], env).status).toBe(0);

    const wrong = runBastion(['serve', '--channel-port', '0', '--http-port', '0'], { ...env, BASTION_LMK_PASSPHRASE: 'not the passphrase at all' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^error HSM_ERR_PASSPHRASE: /m);

    const host = new HostProcess(['serve', '--channel-host', '127.0.0.1', '--channel-port', '0', '--http-port', '0'], { env });
    try {
      const base = (await host.waitForOutput(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1] as string;
      expect(host.stdout).toContain(`  LMK:     KCV ${kcv}\n`);
      expect(host.stdout + host.stderr).not.toMatch(/DEVELOPMENT/);
      expect((await httpGet(`${base}/healthz`)).status).toBe(200);
      expect(await host.stop('SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      host.kill();
    }
  });
});

const certificates = makeTestCertificates();

describe.skipIf(certificates === undefined)('bastion serve with mutual TLS', () => {
  it('settings from the environment: the channel asks terminals for a certificate from the CA; one without is refused and counted', async () => {
    const tls = certificates as NonNullable<typeof certificates>;
    const dataDir = freshDataDir();
    const pemDir = join(root, 'pem');
    mkdirSync(pemDir, { recursive: true });
    const file = (name: string, text: string): string => {
      writeFileSync(join(pemDir, name), text, { mode: 0o600 });
      return join(pemDir, name);
    };
    const env = hostEnvironment({
      BASTION_DATA_DIR: dataDir,
      BASTION_CHANNEL_HOST: '127.0.0.1',
      BASTION_CHANNEL_PORT: '0',
      BASTION_HTTP_PORT: '0',
      BASTION_TLS_CERT: file('server.pem', tls.serverCertificate),
      BASTION_TLS_KEY: file('server.key', tls.serverKey),
      BASTION_TLS_CLIENT_CA: file('ca.pem', tls.caCertificate),
    });
    expect(runBastion(['keys', 'ceremony', '--dev'], env).status).toBe(0);
    expect(runBastion(['cards', 'seed', '--dev'], env).status).toBe(0);
    const host = new HostProcess(['serve', '--dev'], { env });
    try {
      const port = Number((await host.waitForOutput(/terminal channel: 127\.0\.0\.1:(\d+) \(mutual TLS\)/))[1]);
      const base = (await host.waitForOutput(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1] as string;
      const address = { host: '127.0.0.1', port, family: 'IPv4' };
      const terminal = await TestClient.connect(address, { tls: { ca: tls.caCertificate, cert: tls.clientCertificate, key: tls.clientKey } });
      try {
        terminal.send(frameOf(codec.pack(new IsoMessage(unionPayPosSpec, '0800', { 11: '000001', 41: '99999999', 42: '898310048160001', 60: { typeCode: '00', batchNumber: '000001', networkCode: '004' } }))));
        // No such terminal in this store: the host answers 97, over the mutual-TLS channel.
        expect((await terminal.nextReply()).message.get(39)).toBe('97');
      } finally {
        terminal.close();
      }
      const before = sampleSum(parsePrometheusText((await httpGet(`${base}/metrics`)).body), 'bastion_channel_tls_handshake_failures_total');
      await TestClient.connect(address, { tls: { ca: tls.caCertificate } })
        .then(async (client) => {
          // TLS 1.3 reports a refused client certificate after the handshake: the connection then ends.
          expect(await client.nextFrame()).toBeUndefined();
          client.close();
        })
        .catch(() => undefined);
      let failures = before;
      for (let attempt = 0; attempt < 50 && failures === before; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        failures = sampleSum(parsePrometheusText((await httpGet(`${base}/metrics`)).body), 'bastion_channel_tls_handshake_failures_total');
      }
      expect(failures).toBe(before + 1);
      expect(await host.stop()).toEqual({ code: 0, signal: null });
    } finally {
      host.kill();
    }
  });
});

const postgres = await isPostgresAvailable();
if (!postgres) process.stderr.write(`\n[bastion tests] PostgreSQL is not reachable at ${testPostgresUrl}: bastion serve on PostgreSQL is SKIPPED.\n`);

describe.skipIf(!postgres)('bastion serve on PostgreSQL (DATABASE_URL)', () => {
  it('migrates a fresh schema, serves /healthz, describes the store without credentials, and stops with exit 0', async () => {
    // A fresh schema per run: the search_path travels in the connection string's `options`.
    const schema = `serve_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testPostgresUrl });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      const url = new URL(testPostgresUrl);
      // A password that must not be printed: the configured one, or (local trust authentication
      // ignores it) a made-up one.
      if (url.password === '') url.password = 'not-printed-secret';
      const password = decodeURIComponent(url.password);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const dataDir = freshDataDir();
      const env = hostEnvironment({ BASTION_DATA_DIR: dataDir, DATABASE_URL: url.toString() });
      expect(runBastion(['keys', 'ceremony', '--dev'], env).status).toBe(0);
      const seeded = runBastion(['cards', 'seed', '--dev'], env);
      expect(seeded.stderr).toBe('');
      const host = new HostProcess(['serve', '--dev', '--channel-host', '127.0.0.1', '--channel-port', '0', '--http-port', '0'], { env });
      try {
        const base = (await host.waitForOutput(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1] as string;
        expect(host.stdout).toContain(`store:   PostgreSQL ${url.host}${url.pathname}\n`);
        expect(host.stdout + host.stderr).not.toContain(password);
        const health = await httpGet(`${base}/healthz`);
        expect(health.status).toBe(200);
        expect(JSON.parse(health.body)).toEqual({ status: 'ok', store: 'reachable', channel: 'listening' });
        const tables = await admin.query<{ count: string }>('select count(*) from information_schema.tables where table_schema = $1', [schema]);
        expect(Number(tables.rows[0]?.count)).toBeGreaterThan(5);
        expect(await host.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(host.stdout).toContain('Bastion host stopped.');
        expect(readFileSync(join(dataDir, 'logs', 'bastion.log'), 'utf8')).toContain('"msg":"store closed"');
        expect(readFileSync(join(dataDir, 'logs', 'bastion.log'), 'utf8')).not.toContain(password);
        expect(existsSync(join(dataDir, 'bastion.sqlite'))).toBe(false);
      } finally {
        host.kill();
      }
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
