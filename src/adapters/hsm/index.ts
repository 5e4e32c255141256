/** The software HSM: the HsmPort over the crypto library, with the LMK in memory, in this thread or in worker threads. */
export { SoftwareHsm, type SoftwareHsmOptions } from './software-hsm.js';
export { WorkerHsm, workerHsmThreadsMax, type WorkerHsmOptions } from './worker-hsm.js';
export { openHsm, hsmThreadsFromEnvironment, hsmThreadsVariable, hsmThreadsDefault, type ClosableHsm, type OpenHsmOptions } from './hsm-threads.js';
export { LocalMasterKey, lmkCheckValue, developmentLmkSeed, type LmkAlgorithm } from './local-master-key.js';
export { keyTypeProfiles, keyLengthBytes } from './key-profiles.js';
export { trackDataMinBytes } from './track-data.js';
export { loadLmk, readLmkStatus, sealLmk, lmkFilePath, type LoadLmkOptions, type LmkStatus } from './lmk-file.js';
