import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test support (left out of the build): certificates made for each test run with the `openssl`
 * command in a temporary folder — a CA, a server certificate for 127.0.0.1, a terminal
 * certificate from that CA, and a terminal certificate from another ("rogue") CA. Nothing is
 * checked in, so no private key lives in the repository.
 */
export interface TestCertificates {
  readonly caCertificate: string;
  readonly serverCertificate: string;
  readonly serverKey: string;
  readonly clientCertificate: string;
  readonly clientKey: string;
  /** The subject of `clientCertificate` as the channel reports it. */
  readonly clientSubject: string;
  readonly rogueClientCertificate: string;
  readonly rogueClientKey: string;
}

export function opensslAvailable(): boolean {
  const result = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** Makes the certificates, or returns undefined (saying so on stderr) when `openssl` is missing. */
export function makeTestCertificates(): TestCertificates | undefined {
  if (!opensslAvailable()) {
    process.stderr.write('\n[bastion tests] the openssl command is not available: the channel TLS and mutual-TLS tests are SKIPPED.\n');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bastion-channel-tls-'));
  try {
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    };
    const newKeyAndRequest = (name: string, subject: string): void => {
      openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    };
    const selfSignedCa = (name: string, subject: string): void => {
      openssl('req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', subject, '-days', '2');
    };
    const sign = (name: string, ca: string, extensions?: string): void => {
      const extra = extensions === undefined ? [] : ['-extfile', extensions];
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...extra);
    };
    selfSignedCa('ca', '/CN=Bastion Test Terminal CA');
    selfSignedCa('rogue-ca', '/CN=Rogue CA');
    newKeyAndRequest('server', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    sign('server', 'ca', 'server.ext');
    newKeyAndRequest('client', '/CN=T0000001/O=Acme Payments');
    sign('client', 'ca');
    newKeyAndRequest('rogue', '/CN=T0000001/O=Acme Payments');
    sign('rogue', 'rogue-ca');
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return {
      caCertificate: read('ca.pem'),
      serverCertificate: read('server.pem'),
      serverKey: read('server.key'),
      clientCertificate: read('client.pem'),
      clientKey: read('client.key'),
      clientSubject: 'CN=T0000001,O=Acme Payments',
      rogueClientCertificate: read('rogue.pem'),
      rogueClientKey: read('rogue.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
