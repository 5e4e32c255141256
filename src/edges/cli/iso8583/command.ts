import { Command, Option } from 'commander';
import { toHex } from '../../../lib/crypto/bytes.js';
import { BastionError } from '../../../lib/errors/index.js';
import { describe, describeJson, findSpec, MessageCodec, specNames, type MessageSpec } from '../../../lib/iso8583/index.js';
import { exitBadInput } from '../crypto/command.js';
import type { CliIo } from '../io.js';
import { frameMessage, framingKinds, framingMembers, unframe, type FramingKind } from './framing.js';
import { messageFromRequest, parseJsonRequest, refuseExtraMembers } from './json-message.js';
import { readFrameBytes, readJsonText } from './read-input.js';

/** Exit status for a failure that is not the input's fault (an unexpected exception). */
const exitInternal = 1;

export const unmaskedWarning = 'warning: --unmasked prints card data in clear; do not log, paste or keep this output\n';

interface DecodeOptions {
  readonly spec?: string;
  readonly frame?: string;
  readonly framing: FramingKind;
  readonly text?: boolean;
  readonly unmasked?: boolean;
}

interface EncodeOptions {
  readonly spec?: string;
  readonly json?: string;
  readonly framing: FramingKind;
}

function specNamed(name: string): MessageSpec {
  const spec = findSpec(name);
  if (spec === undefined) {
    throw new BastionError('CLI_ERR_ARGUMENT_INVALID', `the spec must be one of ${specNames.join(', ')}`, { argument: 'spec' });
  }
  return spec;
}

/** `error CODE: message (field: 2, offset: 10)` — the code, the words and where; never the data. */
export function errorLine(error: BastionError): string {
  const where = ['field', 'offset', 'argument']
    .filter((name) => error.details[name] !== undefined)
    .map((name) => `${name}: ${String(error.details[name])}`);
  return `error ${error.code}: ${error.message}${where.length === 0 ? '' : ` (${where.join(', ')})`}\n`;
}

async function decode(options: DecodeOptions, io: CliIo): Promise<string> {
  if (options.spec === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', 'name the spec with --spec', { argument: 'spec' });
  const spec = specNamed(options.spec);
  const unframed = unframe(options.framing, await readFrameBytes(options.frame, io.stdin as AsyncIterable<Buffer | string>));
  const message = new MessageCodec(spec).unpack(unframed.message);
  const unmasked = options.unmasked === true;
  if (unmasked) io.stderr(unmaskedWarning);
  if (options.text === true) return `${[...unframed.lines, describe(message, { unmasked })].join('\n')}\n`;
  const { spec: specName, ...body } = describeJson(message, { unmasked });
  return `${JSON.stringify({ spec: specName, ...unframed.members, ...body }, null, 2)}\n`;
}

async function encode(options: EncodeOptions, io: CliIo): Promise<string> {
  const request = parseJsonRequest(await readJsonText(options.json, io.stdin as AsyncIterable<Buffer | string>));
  if (options.spec !== undefined && request.specName !== undefined && options.spec !== request.specName) {
    throw new BastionError('CLI_ERR_ARGUMENT_INVALID', '--spec and the "spec" member of the input name different specs', { argument: 'spec' });
  }
  const name = options.spec ?? request.specName;
  if (name === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', 'name the spec with --spec or a "spec" member in the input', { argument: 'spec' });
  const spec = specNamed(name);
  refuseExtraMembers(request.extra, framingMembers(options.framing));
  const message = new MessageCodec(spec).pack(messageFromRequest(spec, request));
  return `${toHex(frameMessage(options.framing, message, request.extra))}\n`;
}

/** Runs one sub-command: its output on stdout and exit 0, or one coded error line on stderr. */
async function run(io: CliIo, setExit: (code: number) => void, work: () => Promise<string>): Promise<void> {
  try {
    io.stdout(await work());
    setExit(0);
  } catch (error) {
    if (error instanceof BastionError) {
      io.stderr(errorLine(error));
      setExit(exitBadInput);
    } else {
      // An unexpected exception's text may quote input, so it is never printed.
      io.stderr('error CLI_ERR_INTERNAL: internal error while handling the message\n');
      setExit(exitInternal);
    }
  }
}

function specOption(): Option {
  return new Option('--spec <name>', 'the message spec (required for decode)').choices([...specNames]);
}

function framingOption(): Option {
  return new Option('--framing <kind>', 'what comes before the MTI: none, or unionpay (length, TPDU and 6-byte header)')
    .choices([...framingKinds])
    .default('none');
}

/** `bastion iso8583 …`: decode frames to masked JSON or text, encode JSON to frames. */
export function iso8583Command(io: CliIo, setExit: (code: number) => void): Command {
  const iso = new Command('iso8583').description('ISO 8583 messages: decode a frame (card data masked) or encode one from JSON');
  iso
    .command('decode')
    .description('decode a hex frame and print it as JSON (default) or text, card data masked')
    .addOption(specOption())
    .option('--frame <hex>', 'the frame in hex; - or absent: read the hex from stdin')
    .addOption(framingOption())
    .option('--text', 'print a readable dump instead of JSON')
    .option('--unmasked', 'show card data in clear (a warning goes to stderr); never for logs')
    .action(async (options: DecodeOptions) => {
      await run(io, setExit, () => decode(options, io));
    });
  iso
    .command('encode')
    .description('pack a JSON message ({"mti": ..., "fields": {...}}) and print the frame in hex')
    .addOption(specOption())
    .option('--json <file>', 'the JSON message file; - or absent: read it from stdin')
    .addOption(framingOption())
    .action(async (options: EncodeOptions) => {
      await run(io, setExit, () => encode(options, io));
    });
  return iso;
}
