import { createSecureContext, type SecureContextOptions, type TLSSocket, type TlsOptions } from 'node:tls';
import { BastionError } from '../../lib/errors/index.js';

/**
 * TLS for the terminal channel. With `certificate` and `privateKey` the channel speaks TLS; with
 * `clientCa` as well it asks every terminal for a certificate and refuses the handshake unless
 * one signed by that CA is presented (mutual TLS: the terminal proves which device it is before
 * a byte of ISO 8583 is read).
 */
export interface ChannelTlsOptions {
  /** The server certificate, PEM, with any intermediate certificates after it. */
  readonly certificate: string | Buffer;
  /** Its private key, PEM. */
  readonly privateKey: string | Buffer;
  /** CA certificate(s), PEM, that terminal certificates must chain to; enables mutual TLS. */
  readonly clientCa?: string | Buffer;
  /** Oldest protocol accepted; default TLS 1.2 (many terminals have no TLS 1.3). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

const tlsVersionsAccepted: readonly string[] = ['TLSv1.2', 'TLSv1.3'];

/** A client certificate subject longer than this is cut: it only labels a connection. */
export const tlsClientSubjectLengthMax = 256;

/** Checks the TLS settings (CHANNEL_ERR_CONFIG, CHANNEL_ERR_TLS if they don't load) and gives the server options. */
export function channelTlsServerOptions(options: ChannelTlsOptions, handshakeTimeoutMs: number): TlsOptions {
  if (isEmpty(options.certificate)) throw new BastionError('CHANNEL_ERR_CONFIG', 'TLS needs a certificate', { argument: 'tls.certificate' });
  if (isEmpty(options.privateKey)) throw new BastionError('CHANNEL_ERR_CONFIG', 'TLS needs the private key of its certificate', { argument: 'tls.privateKey' });
  if (options.clientCa !== undefined && isEmpty(options.clientCa)) {
    throw new BastionError('CHANNEL_ERR_CONFIG', 'the client CA for mutual TLS is empty', { argument: 'tls.clientCa' });
  }
  const minVersion = options.minVersion ?? 'TLSv1.2';
  // Checked at run time too: TLS settings come from configuration files.
  if (!tlsVersionsAccepted.includes(minVersion)) {
    throw new BastionError('CHANNEL_ERR_CONFIG', 'the TLS minimum version must be TLSv1.2 or TLSv1.3', { argument: 'tls.minVersion' });
  }
  const mutual = options.clientCa !== undefined;
  const contextOptions: SecureContextOptions = {
    cert: options.certificate,
    key: options.privateKey,
    minVersion,
    ...(options.clientCa === undefined ? {} : { ca: options.clientCa }),
  };
  checkLoadable(contextOptions);
  // tls.createServer builds its context from these options (it ignores a `secureContext`).
  return { ...contextOptions, requestCert: mutual, rejectUnauthorized: mutual, handshakeTimeout: handshakeTimeoutMs };
}

/** Loads the certificate, key and CA once, so that a bad one fails here with a coded error. */
function checkLoadable(contextOptions: SecureContextOptions): void {
  try {
    createSecureContext(contextOptions);
  } catch (error) {
    // Only OpenSSL's code goes into the error: its text could quote the PEM it failed on.
    const reason = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'unknown';
    throw new BastionError('CHANNEL_ERR_TLS', 'the TLS certificate, private key or client CA could not be loaded', { reason });
  }
}

/** The verified client certificate's subject as `CN=…,O=…`, or undefined without mutual TLS. */
export function tlsClientSubjectOf(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  // Without a certificate Node returns an empty object, whose subject is undefined.
  const subject = (certificate as { subject?: Record<string, string | string[] | undefined> }).subject;
  if (subject === undefined) return undefined;
  const parts: string[] = [];
  for (const [name, value] of Object.entries(subject)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${name}=${item}`);
  }
  return parts.join(',').slice(0, tlsClientSubjectLengthMax);
}

function isEmpty(value: string | Buffer | undefined): boolean {
  return value === undefined || value.length === 0;
}
