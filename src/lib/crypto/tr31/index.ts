// TR-31 / ANSI X9.143 key blocks, versions A, B, C and D.
export { Tr31Kbpk, tr31Unwrap, tr31Wrap } from './kbpk.js';
export { tr31DeriveKeys, type Tr31DerivedKeys } from './binding.js';
export { describeTr31Header, parseTr31Header, type Tr31Header, type Tr31HeaderDescription, type Tr31HeaderFields } from './header.js';
export {
  tr31AlgorithmName,
  tr31Algorithms,
  tr31ExportabilityName,
  tr31Exportabilities,
  tr31KeyUsageName,
  tr31KeyUsages,
  tr31ModeOfUseName,
  tr31ModesOfUse,
  tr31OptionalBlockIds,
} from './header-values.js';
export { defaultTr31MaskedKeyLength, type Tr31PaddingOptions } from './key-field.js';
export { formatTr31OptionalBlock, parseTr31OptionalBlocks, type Tr31OptionalBlock } from './optional-blocks.js';
export type { Tr31Unwrapped } from './unwrap.js';
export { tr31Versions, tr31VersionProfiles, type Tr31Version, type Tr31VersionProfile } from './versions.js';
export { tr31MaxKeyBlockLengthChars, type Tr31HeaderInput, type Tr31WrapOptions } from './wrap.js';
