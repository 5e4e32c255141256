/**
 * EMV cryptography: ICC master keys (Book 2 A1.4), session keys (A1.3 and the EMV2000 tree),
 * application cryptograms and ARPCs (Book 2 8.1, 8.2, A1.2).
 */
export { emvDeriveIccMasterKey, EmvIssuerMasterKey, emvIccMasterKeyOptions, type EmvIccMasterKeyOption } from './icc-master-key.js';
export {
  emvAtcDiversifier,
  emvCommonSessionKey,
  emvSessionKeyMethods,
  emvTreeSessionKey,
  emvVisaSmSessionKey,
  type EmvSessionKeyMethod,
  type EmvTreeOptions,
} from './session-key.js';
export {
  EmvCryptogramKey,
  emvArpcMethods,
  emvCryptogramPaddings,
  emvGenerateArpc,
  emvGenerateArqc,
  emvVerifyArqc,
  type EmvArpcInput,
  type EmvArpcMethod,
  type EmvCryptogramPadding,
} from './cryptogram.js';
