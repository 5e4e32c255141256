import { toHex } from '../../../lib/crypto/bytes.js';
import { BastionError } from '../../../lib/errors/index.js';
import {
  decodeFrame,
  encodeFrame,
  encodeTpdu,
  encodeUnionPayHeader,
  parseTpdu,
  parseUnionPayHeader,
  processingRequirementName,
  tpduLengthBytes,
  unionPayHeaderLengthBytes,
} from '../../../lib/iso8583/framing/index.js';
import { hexValue } from './json-message.js';

/**
 * What `--framing` puts around the ISO 8583 message:
 * - `none`: nothing, the hex starts at the MTI;
 * - `unionpay`: 2-byte length, 5-byte TPDU and 6-byte UnionPay header, as terminals send them.
 * In JSON the TPDU and header travel as hex members `tpdu` and `header` next to `mti`.
 */
export const framingKinds = ['none', 'unionpay'] as const;
export type FramingKind = (typeof framingKinds)[number];

export interface Unframed {
  /** The ISO 8583 bytes, MTI onward. */
  readonly message: Buffer;
  /** JSON members describing the framing (none for `none`). */
  readonly members: Readonly<Record<string, string>>;
  /** Text lines describing the framing, printed before the MTI line. */
  readonly lines: readonly string[];
}

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

export function unframe(kind: FramingKind, bytes: Buffer): Unframed {
  if (kind === 'none') return { message: bytes, members: {}, lines: [] };
  const frame = decodeFrame(bytes);
  const { tpdu, header } = frame;
  const tpduHex = toHex(encodeTpdu(tpdu));
  const headerHex = toHex(encodeUnionPayHeader(header));
  const lines = [
    `TPDU ${tpduHex}  (id ${tpdu.id.toString(16).toUpperCase()}, destination ${hex4(tpdu.destination)}, source ${hex4(tpdu.source)})`,
    `header ${headerHex}  (application type ${header.applicationType.toString(16).toUpperCase()}, software version ${header.softwareVersion
      .toString(16)
      .toUpperCase()}, terminal status ${header.terminalStatus}, processing requirement ${header.processingRequirement} ${processingRequirementName(
      header.processingRequirement,
    )}, sub-version ${header.subVersion.toString(16).toUpperCase().padStart(6, '0')})`,
  ];
  return { message: frame.message, members: { tpdu: tpduHex, header: headerHex }, lines };
}

/** The JSON members a framing reads besides spec, mti and fields. */
export function framingMembers(kind: FramingKind): readonly string[] {
  return kind === 'unionpay' ? ['tpdu', 'header'] : [];
}

function partBytes(members: Readonly<Record<string, unknown>>, name: 'tpdu' | 'header', lengthBytes: number): Buffer {
  if (members[name] === undefined) {
    throw new BastionError('CLI_ERR_JSON', `with --framing unionpay the input needs "${name}": ${lengthBytes} bytes in hex`, { argument: name });
  }
  const bytes = hexValue(members[name], name);
  if (bytes.length !== lengthBytes) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', `"${name}" must be ${lengthBytes} bytes, got ${bytes.length}`, { field: name });
  }
  return bytes;
}

/** Puts the framing of `kind` around packed message bytes, taking its parts from the JSON members. */
export function frameMessage(kind: FramingKind, message: Buffer, members: Readonly<Record<string, unknown>>): Buffer {
  if (kind === 'none') return message;
  const tpdu = parseTpdu(partBytes(members, 'tpdu', tpduLengthBytes));
  const header = parseUnionPayHeader(partBytes(members, 'header', unionPayHeaderLengthBytes));
  return encodeFrame({ tpdu, header, message });
}
