export * from './merchant.js';
export { merchantsMigrations } from './merchant-migrations.js';
export { MerchantService, MERCHANT_LIST_LIMIT_DEFAULT, MERCHANT_LIST_LIMIT_MAX, type MerchantServiceOptions } from './merchant-service.js';
