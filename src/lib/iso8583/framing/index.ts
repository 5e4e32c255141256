/**
 * Terminal framing, pure: the length prefix, the TPDU and the UnionPay header around each ISO 8583
 * message, and a splitter that cuts a TCP stream into frames. No sockets here; `src/edges/channel`
 * feeds bytes in and writes frames out.
 */
export { FrameSplitter, type FrameSplitterOptions, type LengthPrefixBytes } from './frame-splitter.js';
export {
  decodeFrame,
  decodeFrameBody,
  encodeFrame,
  frameLayoutBytes,
  lengthPrefixBytes,
  lengthPrefixValueMax,
  unionPayFrameLayout,
  type Frame,
  type FrameLayout,
  type FrameOptions,
  type FrameParts,
  type HeaderKind,
} from './frame.js';
export {
  encodeTpdu,
  parseTpdu,
  replyTpdu,
  tpduIdReturned,
  tpduIdsAcceptedDefault,
  tpduIdTransaction,
  tpduLengthBytes,
  writeTpdu,
  type Tpdu,
  type TpduParseOptions,
} from './tpdu.js';
export {
  ApplicationType,
  encodeUnionPayHeader,
  parseUnionPayHeader,
  ProcessingRequirement,
  processingRequirementName,
  replyUnionPayHeader,
  SoftwareVersion,
  TerminalStatus,
  unionPayHeaderLengthBytes,
  writeUnionPayHeader,
  type UnionPayHeader,
} from './unionpay-header.js';
