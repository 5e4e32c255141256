// ISO 9797-1 and UnionPay MACs are filled in here; CMAC lives in cmac.ts.
export * from './cmac.js';
