import { Command } from 'commander';
import { reportCommandFailure } from '../command-failure.js';
import type { CliIo } from '../io.js';
import { demoCommands, formatDemoCommands } from './demo-commands.js';
import { prepareDemoData } from './demo-data.js';
import { reachableHost, runHost } from './run-host.js';
import { demoDefaults, serveDefaults, serveSettings, type ServeDefaults, type ServeFlags } from './serve-settings.js';
import { onStopSignal } from './stop-signal.js';

interface ServeCommandOptions extends ServeFlags {
  readonly dev?: boolean;
}

function addListenOptions(command: Command, defaults: ServeDefaults): Command {
  return command
    .option('--channel-host <address>', `address the terminal channel listens on (BASTION_CHANNEL_HOST; default ${defaults.channelHost})`)
    .option('--channel-port <port>', `terminal channel port (BASTION_CHANNEL_PORT; default ${defaults.channelPort}; 0 picks a free one)`)
    .option('--http-host <address>', `address of /healthz and /metrics (BASTION_HTTP_HOST; default ${defaults.httpHost})`)
    .option('--http-port <port>', `port of /healthz and /metrics (BASTION_HTTP_PORT; default ${defaults.httpPort}; 0 picks a free one)`);
}

/**
 * Runs the host until a stop signal: exit 0 once it has stopped in order; a failure is reported as
 * any command's (a coded error: one line, exit 2; anything else: no text, exit 1).
 */
async function runUntilStopped(io: CliIo, setExit: (code: number) => void, run: (stopRequested: Promise<void>) => Promise<void>): Promise<void> {
  const stop = onStopSignal(io.stderr);
  try {
    await run(stop.requested);
    setExit(0);
  } catch (error) {
    reportCommandFailure(io, setExit, error);
  } finally {
    stop.dispose();
  }
}

/** `bastion serve`: the acquirer host. */
export function serveCommand(io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv = process.env): Command {
  const command = new Command('serve').description(
    'run the acquirer host: the terminal channel (ISO 8583 over TCP / TLS) and /healthz and /metrics over HTTP, on the configured store (BASTION_DATA_DIR, DATABASE_URL); BASTION_LMK_PASSPHRASE opens the LMK',
  );
  addListenOptions(command, serveDefaults)
    .option('--tls-cert <file>', 'PEM certificate (chain) for TLS on the terminal channel (BASTION_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key of that certificate (BASTION_TLS_KEY)')
    .option('--tls-client-ca <file>', 'PEM CA that terminal certificates must chain to: mutual TLS (BASTION_TLS_CLIENT_CA)')
    .option('--dev', 'allow the published development LMK: for tests and demos only, never for real cards')
    .action(async (options: ServeCommandOptions) => {
      await runUntilStopped(io, setExit, async (stopRequested) => {
        const settings = serveSettings(options, environment, serveDefaults);
        await runHost({ io, environment, settings, allowDev: options.dev === true, stopRequested });
      });
    });
  return command;
}

/** `bastion demo`: demo data in an empty BASTION_DATA_DIR, then the host as `serve --dev` runs it. */
export function demoCommand(io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv = process.env): Command {
  const command = new Command('demo').description(
    'create demo data (development LMK, test cards, a merchant, a terminal and its simulator key file) in an empty BASTION_DATA_DIR (default ./data) or reuse an earlier demo\'s, start the host with the development LMK, and print commands to try',
  );
  addListenOptions(command, demoDefaults).action(async (options: ServeFlags) => {
    await runUntilStopped(io, setExit, async (stopRequested) => {
      // TLS is not offered here: the simulator commands the demo prints talk plain TCP.
      const listenFlags: ServeFlags = {
        ...(options.channelHost === undefined ? {} : { channelHost: options.channelHost }),
        ...(options.channelPort === undefined ? {} : { channelPort: options.channelPort }),
        ...(options.httpHost === undefined ? {} : { httpHost: options.httpHost }),
        ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
      };
      const settings = serveSettings(listenFlags, { ...environment, BASTION_TLS_CERT: '', BASTION_TLS_KEY: '', BASTION_TLS_CLIENT_CA: '' }, demoDefaults);
      const demo = await prepareDemoData(io, environment);
      await runHost({
        io,
        environment,
        settings,
        allowDev: true,
        stopRequested,
        onListening: ({ channel, http }) => {
          const path = demo.provisionSimulator({ host: reachableHost(channel.host).replace(/^\[|\]$/g, ''), port: channel.port });
          io.stdout(`Terminal simulator key file: ${path}\n`);
          io.stdout(formatDemoCommands(demoCommands({ dataDir: demo.dataDir, terminalId: demo.terminalId, httpBase: `http://${reachableHost(http.host)}:${http.port}` })));
        },
      });
    });
  });
  return command;
}
