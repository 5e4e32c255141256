import { BastionError } from '../../errors/index.js';

/**
 * The 6-byte UnionPay POS message header between the TPDU and the MTI:
 *
 *   byte 0     application type        n2 (BCD)  0x60 magstripe, 0x61 IC
 *   byte 1     software version        n2 (BCD)  e.g. 0x31
 *   byte 2     terminal status (high nibble) | processing requirement (low nibble), n1 + n1
 *   bytes 3–5  software sub-version    n6 (BCD in practice, vendor-defined)
 *
 * Sources (facts only, no code): teddy-lee/AIAUnionPay `CUPPackager.java` writes 0x60 / 0x61,
 * 0x31, then the "terminal status / processing requirement" byte, then the sub-version;
 * CaoEnXin/LiaoYang_POS `trancomm.c` sends `60 31 00` + a 3-byte BCD sub-version, and
 * `60 31 10 31 00 00` in test mode; ConardLKL/posp_server replaces hex digit 5 of the header
 * (the low nibble of byte 2) in its replies to ask for downloads. A terminal puts 0 in the
 * processing-requirement nibble; the host sets it in the reply.
 *
 * Bastion interprets only the two nibbles and checks that each is a decimal digit (the layout
 * says n1); the other bytes are kept as they came so a reply can echo them.
 */

export const unionPayHeaderLengthBytes = 6;

/** Byte 0 values seen in public terminal code (the spec writes them as two BCD digits). */
export const ApplicationType = {
  /** "60": magnetic-stripe financial application on a non-network POS. */
  Magstripe: 0x60,
  /** "61": IC-card financial application (sent when the card was read by chip). */
  Ic: 0x61,
} as const;

/**
 * Byte 1 values with a documented meaning (a header struct comment in public terminal code):
 * "10" before the 2001 PBOC POS terminal specification, "11" for that specification, "21" for the
 * 2002 UnionPay POS specification. Later terminals send other versions (0x31 in LiaoYang_POS,
 * AIAUnionPay and posp_server samples; 0x32 in a Newland terminal app), so the byte is kept raw
 * and echoed in replies.
 */
export const SoftwareVersion = {
  BeforePboc2001: 0x10,
  Pboc2001: 0x11,
  UnionPay2002: 0x21,
} as const;

/** The high nibble of byte 2. */
export const TerminalStatus = {
  Normal: 0,
  /** LiaoYang_POS sends 1 when its test flag is on. */
  Test: 1,
} as const;

/**
 * The low nibble of byte 2, set by the host in a reply to tell the terminal what to do next.
 * Meanings, from public terminal and host code:
 * - 0 none;
 * - 1 download terminal parameters (LiaoYang_POS `OnlineDownOrUp`: PosDownLoadParam);
 * - 2 upload terminal status (PosUpLoadParam);
 * - 3 sign in again (PosOnlineLogon);
 * - 4 download IC public keys, CAPKs (LiaoYang_POS DownLoadCAPK; posp_server sets it when its
 *   CAPK table changed after the terminal's last sign-in);
 * - 5 download IC (AID) parameters (LiaoYang_POS DownLoadEmvParam; posp_server);
 * - 6 TMS download: a new terminal program or TMS parameters (LiaoYang_POS sets its
 *   download-application flag; other terminal apps label it "TMS parameter download");
 * - 7 clear the management statistics (a "table 8" comment in public terminal code); note that
 *   LiaoYang_POS instead starts a card-blacklist download on 7;
 * - 8 update keys (an Android terminal app: "the processing center allows the terminal to
 *   initiate the key update operation");
 * - 9 download contactless (quick-pass) parameters (posp_server sets it when those changed;
 *   AIAUnionPay treats 9 as "parameter download"; one comment reads it as "update CAPKs and IC
 *   parameters").
 * A terminal acts on the values it knows and ignores the rest, so a host should send only what
 * its terminal models document.
 */
export const ProcessingRequirement = {
  None: 0,
  DownloadTerminalParameters: 1,
  UploadTerminalStatus: 2,
  SignInAgain: 3,
  DownloadCapks: 4,
  DownloadIcParameters: 5,
  TmsDownload: 6,
  ClearStatistics: 7,
  UpdateKeys: 8,
  DownloadContactlessParameters: 9,
} as const;

export type ProcessingRequirement = (typeof ProcessingRequirement)[keyof typeof ProcessingRequirement];

export interface UnionPayHeader {
  /** Byte 0, e.g. `ApplicationType.Ic` (0x61). */
  readonly applicationType: number;
  /** Byte 1, e.g. 0x31. */
  readonly softwareVersion: number;
  /** High nibble of byte 2, a decimal digit: `TerminalStatus.Normal` or `.Test`. */
  readonly terminalStatus: number;
  /** Low nibble of byte 2: what the host asks the terminal to do next. */
  readonly processingRequirement: ProcessingRequirement;
  /** Bytes 3–5 as one 24-bit big-endian value, e.g. 0x315046 for sub-version "315046". */
  readonly subVersion: number;
}

const decimalDigitMax = 9;
const byteMax = 0xff;
const subVersionMax = 0xffffff;

/** Reads the 6-byte header at `offset` of `bytes`; error offsets are into `bytes`. */
export function parseUnionPayHeader(bytes: Uint8Array, offset = 0): UnionPayHeader {
  if (offset < 0 || bytes.length - offset < unionPayHeaderLengthBytes) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', `a UnionPay header needs ${unionPayHeaderLengthBytes} bytes but fewer remain`, {
      field: 'header',
      offset: offset,
      availableBytes: Math.max(0, bytes.length - offset),
    });
  }
  const statusByte = bytes[offset + 2] as number;
  const terminalStatus = statusByte >>> 4;
  const processingRequirement = statusByte & 0x0f;
  if (terminalStatus > decimalDigitMax) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', 'the header terminal-status nibble is not a decimal digit', {
      field: 'header.terminalStatus',
      offset: offset + 2,
    });
  }
  if (processingRequirement > decimalDigitMax) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', 'the header processing-requirement nibble is not a decimal digit', {
      field: 'header.processingRequirement',
      offset: offset + 2,
    });
  }
  return {
    applicationType: bytes[offset] as number,
    softwareVersion: bytes[offset + 1] as number,
    terminalStatus,
    // 0–9 all carry a documented meaning, so the digit check above is the type check.
    processingRequirement: processingRequirement as ProcessingRequirement,
    subVersion: ((bytes[offset + 3] as number) << 16) | ((bytes[offset + 4] as number) << 8) | (bytes[offset + 5] as number),
  };
}

/** The six bytes of `header`. */
export function encodeUnionPayHeader(header: UnionPayHeader): Buffer {
  const out = Buffer.allocUnsafe(unionPayHeaderLengthBytes);
  writeUnionPayHeader(out, 0, header);
  return out;
}

/** Writes `header` into `target` at `offset` (six bytes; the caller sized `target`). */
export function writeUnionPayHeader(target: Uint8Array, offset: number, header: UnionPayHeader): void {
  checkRange(header.applicationType, byteMax, 'header.applicationType');
  checkRange(header.softwareVersion, byteMax, 'header.softwareVersion');
  checkRange(header.terminalStatus, decimalDigitMax, 'header.terminalStatus');
  checkRange(header.processingRequirement, decimalDigitMax, 'header.processingRequirement');
  checkRange(header.subVersion, subVersionMax, 'header.subVersion');
  target[offset] = header.applicationType;
  target[offset + 1] = header.softwareVersion;
  target[offset + 2] = (header.terminalStatus << 4) | header.processingRequirement;
  target[offset + 3] = header.subVersion >>> 16;
  target[offset + 4] = (header.subVersion >>> 8) & 0xff;
  target[offset + 5] = header.subVersion & 0xff;
}

/**
 * The header of a reply: the request's header with the host's processing requirement. Hosts echo
 * the rest (posp_server rewrites only that nibble of the request header it received).
 */
export function replyUnionPayHeader(request: UnionPayHeader, processingRequirement: ProcessingRequirement = ProcessingRequirement.None): UnionPayHeader {
  checkRange(processingRequirement, decimalDigitMax, 'header.processingRequirement');
  return { ...request, processingRequirement };
}

/** The name of a processing requirement (`DownloadCapks` for 4), for logs and the back-office screens. */
export function processingRequirementName(value: ProcessingRequirement): keyof typeof ProcessingRequirement {
  return processingRequirementNames[value];
}

const processingRequirementNames = Object.fromEntries(Object.entries(ProcessingRequirement).map(([name, value]) => [value, name])) as Record<
  ProcessingRequirement,
  keyof typeof ProcessingRequirement
>;

function checkRange(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `${field} must be an integer from 0 to ${max}`, { field });
  }
}
