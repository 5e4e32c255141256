// DUKPT: TDES (ANSI X9.24-1-2009) and AES (ANSI X9.24-3-2017), host-side derivations.
export {
  aesDukptInitialKeyIdLengthBytes,
  aesDukptKsnCounter,
  aesDukptKsnLengthBytes,
  aesDukptMaxCounterBits,
  assertAesDukptKsnLength,
  assertTdesDukptKsnLength,
  tdesDukptKsnCounter,
  tdesDukptKsnLengthBytes,
  tdesDukptMaxCounterBits,
} from './ksn.js';
export {
  deriveTdesDukptInitialKey,
  deriveTdesDukptKeys,
  deriveTdesDukptTransactionKey,
  tdesDukptKeyLengthBytes,
  tdesDukptVariantKey,
  tdesDukptVariants,
  TdesDukptHost,
  type TdesDukptKeys,
  type TdesDukptVariant,
} from './tdes-dukpt.js';
export {
  aesDukptBdkTypeOf,
  aesDukptKeyTypes,
  aesDukptKeyUsages,
  AesDukptHost,
  deriveAesDukptInitialKey,
  deriveAesDukptKeys,
  deriveAesDukptTransactionKey,
  deriveAesDukptWorkingKey,
  type AesDukptBdkType,
  type AesDukptKeys,
  type AesDukptKeyType,
  type AesDukptKeyUsage,
} from './aes-dukpt.js';
