import { readFileSync, statSync } from 'node:fs';
import type { LogLevel } from '../../../adapters/log/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { ChannelTlsOptions } from '../../channel/tls-options.js';

/**
 * Settings of `bastion serve` and `bastion demo`: each flag has an environment variable, and a
 * flag wins over its variable. Everything is checked before anything is opened, and a bad value
 * is SERVE_ERR_CONFIG naming the flag or variable.
 */
export interface ServeFlags {
  readonly channelHost?: string;
  readonly channelPort?: string;
  readonly httpHost?: string;
  readonly httpPort?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ServeSettings {
  readonly channel: ListenAddress;
  readonly http: ListenAddress;
  /** Files as given, for the start-up summary. */
  readonly tlsFiles?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  readonly tls?: ChannelTlsOptions;
  readonly logLevel: LogLevel;
}

export const serveEnvironment = {
  channelHost: 'BASTION_CHANNEL_HOST',
  channelPort: 'BASTION_CHANNEL_PORT',
  httpHost: 'BASTION_HTTP_HOST',
  httpPort: 'BASTION_HTTP_PORT',
  tlsCert: 'BASTION_TLS_CERT',
  tlsKey: 'BASTION_TLS_KEY',
  tlsClientCa: 'BASTION_TLS_CLIENT_CA',
  logLevel: 'BASTION_LOG_LEVEL',
} as const;

export interface ServeDefaults {
  readonly channelHost: string;
  readonly channelPort: number;
  readonly httpHost: string;
  readonly httpPort: number;
}

/** `bastion serve`: terminals reach the channel from the network; health and metrics stay on loopback. */
export const serveDefaults: ServeDefaults = { channelHost: '0.0.0.0', channelPort: 8583, httpHost: '127.0.0.1', httpPort: 8584 };
/** `bastion demo`: everything on loopback (the demo's LMK is public). */
export const demoDefaults: ServeDefaults = { channelHost: '127.0.0.1', channelPort: 8583, httpHost: '127.0.0.1', httpPort: 8584 };

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** A PEM file larger than this is not a certificate, key or CA bundle. */
const pemFileBytesMax = 1024 * 1024;
const hostLengthMax = 255;

type Setting = keyof typeof serveEnvironment;

function configError(argument: string, message: string): BastionError {
  return new BastionError('SERVE_ERR_CONFIG', message, { argument });
}

/** The flag's value, else the variable's (empty counts as unset), with the name to blame. */
function pick(flags: ServeFlags, environment: NodeJS.ProcessEnv, setting: Exclude<Setting, 'logLevel'>, flag: string): { value: string; argument: string } | undefined {
  const fromFlag = flags[setting];
  if (fromFlag !== undefined) return { value: fromFlag, argument: flag };
  const variable = serveEnvironment[setting];
  const fromEnvironment = environment[variable];
  return fromEnvironment === undefined || fromEnvironment === '' ? undefined : { value: fromEnvironment, argument: variable };
}

function parsePort(given: { value: string; argument: string } | undefined, fallback: number): number {
  if (given === undefined) return fallback;
  if (!/^\d{1,5}$/.test(given.value) || Number(given.value) > 0xffff) throw configError(given.argument, `${given.argument} must be a port number from 0 to 65535`);
  return Number(given.value);
}

function parseHost(given: { value: string; argument: string } | undefined, fallback: string): string {
  if (given === undefined) return fallback;
  // An IP address or a host name: no spaces, no URL, no port.
  if (given.value.length > hostLengthMax || !/^[A-Za-z0-9.:_-]+$/.test(given.value)) {
    throw configError(given.argument, `${given.argument} must be an IP address or host name to listen on, such as 0.0.0.0 or 127.0.0.1`);
  }
  return given.value;
}

function readPem(given: { value: string; argument: string }): Buffer {
  try {
    const stat = statSync(given.value);
    if (!stat.isFile() || stat.size === 0 || stat.size > pemFileBytesMax) throw new Error('not a small regular file');
    return readFileSync(given.value);
  } catch {
    throw configError(given.argument, `${given.argument} must name a readable PEM file (${given.value})`);
  }
}

export function serveSettings(flags: ServeFlags, environment: NodeJS.ProcessEnv, defaults: ServeDefaults): ServeSettings {
  const channel = {
    host: parseHost(pick(flags, environment, 'channelHost', '--channel-host'), defaults.channelHost),
    port: parsePort(pick(flags, environment, 'channelPort', '--channel-port'), defaults.channelPort),
  };
  const http = {
    host: parseHost(pick(flags, environment, 'httpHost', '--http-host'), defaults.httpHost),
    port: parsePort(pick(flags, environment, 'httpPort', '--http-port'), defaults.httpPort),
  };
  if (channel.port !== 0 && channel.port === http.port && (channel.host === http.host || channel.host === '0.0.0.0' || http.host === '0.0.0.0')) {
    throw configError('--http-port', 'the channel and the HTTP server cannot share a port');
  }
  const levelText = environment[serveEnvironment.logLevel];
  const logLevel = levelText === undefined || levelText === '' ? 'info' : levelText;
  if (!(logLevels as readonly string[]).includes(logLevel)) throw configError(serveEnvironment.logLevel, `${serveEnvironment.logLevel} must be one of ${logLevels.join(', ')}`);

  const cert = pick(flags, environment, 'tlsCert', '--tls-cert');
  const key = pick(flags, environment, 'tlsKey', '--tls-key');
  const clientCa = pick(flags, environment, 'tlsClientCa', '--tls-client-ca');
  const base = { channel, http, logLevel: logLevel as LogLevel };
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw configError(clientCa.argument, `${clientCa.argument} (mutual TLS) needs --tls-cert and --tls-key too`);
    return base;
  }
  if (cert === undefined) throw configError('--tls-cert', 'TLS needs a certificate: --tls-cert (or BASTION_TLS_CERT) with --tls-key');
  if (key === undefined) throw configError('--tls-key', 'TLS needs the private key of its certificate: --tls-key (or BASTION_TLS_KEY)');
  const tls: ChannelTlsOptions = {
    certificate: readPem(cert),
    privateKey: readPem(key),
    ...(clientCa === undefined ? {} : { clientCa: readPem(clientCa) }),
  };
  return { ...base, tls, tlsFiles: { cert: cert.value, key: key.value, ...(clientCa === undefined ? {} : { clientCa: clientCa.value }) } };
}
