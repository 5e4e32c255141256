/** Bastion's ISO 8583 engine: specs as data, a compiled codec, and the dialects it ships. */
export * from './spec.js';
export { IsoMessage } from './message.js';
export { MessageCodec, messageBytesMax } from './message-codec.js';
export { unionPayPosSpec, type UnionPayPosSpec } from './specs/unionpay-pos.js';
export { findSpec, isSpecName, iso87AsciiSpec, iso87BinarySpec, specNames, specs, type Iso87AsciiSpec, type Iso87BinarySpec, type SpecName } from './specs/index.js';
export { describe, describeJson, maskPan, type DescribedValue, type DescribeOptions, type MessageJson, type TlvDescription } from './describe.js';
