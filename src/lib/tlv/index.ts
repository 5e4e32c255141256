/**
 * EMV BER-TLV, data object lists, the EMV tag dictionary and the UnionPay field 62 parameter
 * records. Pure functions over bytes: no I/O, no clock, no shared mutable state.
 */
export {
  buildTlv,
  isTlvConstructed,
  parseTlv,
  parseTlvFrom,
  tlvDepthCeiling,
  tlvDepthMax,
  tlvNodeCountCeiling,
  tlvNodeCountMax,
  type TlvConstructed,
  type TlvNode,
  type TlvNodeInput,
  type TlvParseOptions,
  type TlvPrimitive,
} from './ber-tlv.js';
export { tlvLengthBytesMax, tlvValueBytesMax } from './length.js';
export { assertTlvTag, isConstructedTag, isTlvPaddingByte, tlvTagBytesMax, tlvTagFromHex, tlvTagHex, tlvTagLengthBytes } from './tag.js';
export { findTlv, findTlvValue, tlvMap } from './query.js';
export {
  readCompressedNumeric,
  readNumeric,
  readNumericBigInt,
  readText,
  readUnsigned,
  unsignedBytesMax,
  writeCompressedNumeric,
  writeNumeric,
  writeText,
  writeUnsigned,
  type EmvFormat,
  type EmvTextFormat,
} from './formats.js';
export {
  emvTagDictionary,
  emvTagInfo,
  tlvDisplayPolicy,
  type EmvTagInfo,
  type EmvTagSensitivity,
  type EmvTagSource,
  type TlvDisplay,
  type TlvDisplayOptions,
} from './dictionary.js';
export {
  buildDol,
  buildDolData,
  dolBytesMax,
  dolDataLength,
  dolEntryCountMax,
  dolEntryLengthMax,
  parseDol,
  splitDolData,
  type DolDataOptions,
  type DolEntry,
} from './dol.js';
export {
  capkChecksumBytes,
  capkModulusBytesMax,
  capkRidBytes,
  capkTags,
  unionPayCapkChecksum,
  unionPayDecodeCapk,
  unionPayEncodeCapk,
  type UnionPayCapk,
  type UnionPayCapkIdentity,
  type UnionPayCapkIdentityInput,
  type UnionPayCapkInput,
} from './unionpay-capk.js';
export { aidTags, unionPayDecodeAid, unionPayEncodeAid, type UnionPayAid, type UnionPayAidInput } from './unionpay-aid.js';
export { unionPayField62BytesMax } from './unionpay-fields.js';
export {
  paramQueryCountDigitsMax,
  paramQueryCountMax,
  unionPayAidListPage,
  unionPayCapkListPage,
  unionPayDecodeAidDownloadReply,
  unionPayDecodeAidDownloadRequest,
  unionPayDecodeAidList,
  unionPayDecodeCapkDownloadReply,
  unionPayDecodeCapkDownloadRequest,
  unionPayDecodeCapkList,
  unionPayDecodeParamQuery,
  unionPayEncodeAidDownloadReply,
  unionPayEncodeAidDownloadRequest,
  unionPayEncodeAidList,
  unionPayEncodeCapkDownloadReply,
  unionPayEncodeCapkDownloadRequest,
  unionPayEncodeCapkList,
  unionPayEncodeParamQuery,
  type UnionPayAidList,
  type UnionPayCapkKey,
  type UnionPayCapkList,
  type UnionPayParamQuery,
  type UnionPayParamStatus,
} from './unionpay-param-messages.js';
