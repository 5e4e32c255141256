// MACs: ISO 9797-1 padding and algorithms 1 and 3 (X9.19 retail MAC), CMAC, the UnionPay POS MAC.
export * from './cmac.js';
export * from './padding.js';
export * from './mac-check.js';
export * from './iso9797-alg1.js';
export * from './retail-mac.js';
export * from './unionpay-ecb-mac.js';
