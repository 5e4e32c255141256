export { EpochCache } from './epoch-cache.js';
