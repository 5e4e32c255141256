import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import type { ErrorCode } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { merchantsMigrations } from './merchant-migrations.js';
import { MerchantService } from './merchant-service.js';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'BastionError', code });
}

describe.each(databases)('MerchantService on $name', (database) => {
  let store: Store;
  let nowMs = 1_700_000_000_000n;
  let merchants: MerchantService;

  beforeAll(async () => {
    store = await database.open([merchantsMigrations]);
    merchants = new MerchantService(store, { clock: () => nowMs });
  });
  afterAll(async () => {
    await store.close();
  });

  it('adds a merchant and finds it again, field for field', async () => {
    const added = await merchants.add({ merchantId: '102581054110001', legalName: 'Canton Grocers Ltd', displayName: 'Canton Grocers', fee: { fixedMinor: 25n } });
    expect(added).toEqual({
      merchantId: '102581054110001',
      legalName: 'Canton Grocers Ltd',
      displayName: 'Canton Grocers',
      mcc: '5411',
      status: 'active',
      currency: '156',
      fee: { rateBasisPoints: 60, fixedMinor: 25n },
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    });
    expect(await merchants.find('102581054110001')).toEqual(added);
    expect(typeof added.createdAtMs).toBe('bigint');
  });

  it('finds nothing for an unknown or malformed id', async () => {
    expect(await merchants.find('999999999999999')).toBeUndefined();
    expect(await merchants.find("1' or '1'='1")).toBeUndefined();
  });

  it('refuses a taken merchant id, also when many hosts race for it', async () => {
    await expectCode(merchants.add({ merchantId: '102581054110001', legalName: 'Someone Else' }), 'MERCHANT_ERR_ID_TAKEN');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => merchants.add({ merchantId: '310100048140001', legalName: `Racer ${index}` })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'MERCHANT_ERR_ID_TAKEN' });
    }
  });

  it('requires an active merchant: unknown and suspended ones are refused with their own codes', async () => {
    expect((await merchants.requireActive('102581054110001')).status).toBe('active');
    await expectCode(merchants.requireActive('102581054119999'), 'MERCHANT_ERR_NOT_FOUND');
    await expectCode(merchants.requireActive('short'), 'MERCHANT_ERR_ID');
    nowMs += 1_000n;
    const suspended = await merchants.setStatus('102581054110001', 'suspended');
    expect(suspended).toMatchObject({ status: 'suspended', updatedAtMs: nowMs });
    await expect(merchants.requireActive('102581054110001')).rejects.toMatchObject({ code: 'MERCHANT_ERR_NOT_ACTIVE', details: { status: 'suspended' } });
    await merchants.setStatus('102581054110001', 'active');
    await expectCode(merchants.setStatus('102581054119999', 'closed'), 'MERCHANT_ERR_NOT_FOUND');
    await expectCode(merchants.setStatus('102581054110001', 'draft' as never), 'MERCHANT_ERR_STATUS');
  });

  it('lists in merchant-id order, bounded, page by page', async () => {
    for (const merchantId of ['200000000000003', '200000000000001', '200000000000002']) await merchants.add({ merchantId, legalName: `Shop ${merchantId}`, mcc: '5999' });
    const all = await merchants.list();
    expect(all.map((merchant) => merchant.merchantId)).toEqual(['102581054110001', '200000000000001', '200000000000002', '200000000000003', '310100048140001']);
    const page = await merchants.list({ limit: 2, after: '200000000000001' });
    expect(page.map((merchant) => merchant.merchantId)).toEqual(['200000000000002', '200000000000003']);
    await expectCode(merchants.list({ limit: 0 }), 'MERCHANT_ERR_ARGUMENT');
    await expectCode(merchants.list({ limit: 1_001 }), 'MERCHANT_ERR_ARGUMENT');
  });
});
