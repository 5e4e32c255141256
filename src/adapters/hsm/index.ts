/** The software HSM: the HsmPort over the crypto library, with the LMK in memory. */
export { SoftwareHsm, type SoftwareHsmOptions } from './software-hsm.js';
export { LocalMasterKey, lmkCheckValue, developmentLmkSeed, type LmkAlgorithm } from './local-master-key.js';
export { keyTypeProfiles, keyLengthBytes } from './key-profiles.js';
export { trackDataMinBytes } from './track-data.js';
export { loadLmk, readLmkStatus, sealLmk, lmkFilePath, type LoadLmkOptions, type LmkStatus } from './lmk-file.js';
