import type { Kysely, Selectable } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import { EpochCache } from '../../lib/cache/index.js';
import { announcedWrite, isUniqueViolation, type Store, type StoreChanges } from '../../ports/store.js';
import { isMerchantId, isMerchantStatus, MERCHANT_FEE_RATE_BASIS_POINTS_MAX, merchantStatuses, normaliseNewMerchant, validateMerchantId, type Merchant, type MerchantStatus, type NewMerchant } from './merchant.js';
import type { MerchantRow, MerchantsTables } from './merchant-tables.js';

/** A list returns at most this many merchants; page with `after`. */
export const MERCHANT_LIST_LIMIT_MAX = 1_000;
export const MERCHANT_LIST_LIMIT_DEFAULT = 100;

export interface MerchantServiceOptions {
  /** Epoch milliseconds now; injected so tests and the simulator control time. */
  readonly clock: () => bigint;
}

/** Read on every request a terminal sends: built and compiled once. */
const merchantById = new PreparedQuery((db: Kysely<MerchantsTables>, arg: ArgumentOf<{ merchantId: string }>) =>
  db.selectFrom('merchants_merchants').selectAll().where('merchant_id', '=', arg('merchantId')),
);

/** The merchants module's service: the only way other modules reach merchant data. */
/** Merchants kept in memory per process (read on every request; see `find`). */
export const MERCHANTS_CACHED_MAX = 10_000;

export class MerchantService {
  private readonly db: Kysely<MerchantsTables>;
  private readonly clock: () => bigint;
  private readonly changes: StoreChanges;
  private readonly cache = new EpochCache<string, Merchant>(MERCHANTS_CACHED_MAX);

  constructor(store: Store, options: MerchantServiceOptions) {
    this.db = store.db<MerchantsTables>();
    this.changes = store.changes;
    this.clock = options.clock;
  }

  /** Registers an active merchant. A taken merchant id is MERCHANT_ERR_ID_TAKEN, even under a race. */
  async add(input: NewMerchant): Promise<Merchant> {
    const merchant = normaliseNewMerchant(input);
    const nowMs = this.clock();
    try {
      const row = await announcedWrite(this.changes, this.db, () => this.db
        .insertInto('merchants_merchants')
        .values({
          merchant_id: merchant.merchantId,
          legal_name: merchant.legalName,
          display_name: merchant.displayName,
          mcc: merchant.mcc,
          status: 'active',
          currency: merchant.currency,
          fee_rate_bp: BigInt(merchant.fee.rateBasisPoints),
          fee_fixed_minor: merchant.fee.fixedMinor,
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        })
        .returningAll()
        .executeTakeFirstOrThrow());
      return merchantFromRow(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new BastionError('MERCHANT_ERR_ID_TAKEN', `merchant ${merchant.merchantId} already exists`, { argument: 'merchantId' });
      }
      throw error;
    }
  }

  /**
   * The merchant with this field-42 id, or undefined (also for an id that is not well formed).
   * Served from memory while the store's change epoch stands, as `TerminalService.findByTerminalId`;
   * `fresh` reads the database.
   */
  async find(merchantId: string, options: { readonly fresh?: boolean } = {}): Promise<Merchant | undefined> {
    if (!isMerchantId(merchantId)) return undefined;
    return this.cache.readThrough(
      merchantId,
      () => this.changes.epoch(),
      async () => {
        const row = await merchantById.first(this.db, { merchantId });
        return row === undefined ? undefined : merchantFromRow(row);
      },
      options.fresh === true,
    );
  }

  /** The merchant, if it exists and may transact; otherwise MERCHANT_ERR_NOT_FOUND or MERCHANT_ERR_NOT_ACTIVE. */
  async requireActive(merchantId: string): Promise<Merchant> {
    validateMerchantId(merchantId);
    const merchant = await this.find(merchantId);
    if (merchant === undefined) throw new BastionError('MERCHANT_ERR_NOT_FOUND', `merchant ${merchantId} does not exist`, { argument: 'merchantId' });
    if (merchant.status !== 'active') {
      throw new BastionError('MERCHANT_ERR_NOT_ACTIVE', `merchant ${merchantId} is ${merchant.status}`, { argument: 'merchantId', status: merchant.status });
    }
    return merchant;
  }

  /** Suspends, closes or reactivates a merchant. */
  async setStatus(merchantId: string, status: MerchantStatus): Promise<Merchant> {
    validateMerchantId(merchantId);
    if (!isMerchantStatus(status)) {
      throw new BastionError('MERCHANT_ERR_STATUS', `a merchant status is one of ${merchantStatuses.join(', ')}`, { argument: 'status' });
    }
    const row = await announcedWrite(this.changes, this.db, () =>
      this.db.updateTable('merchants_merchants').set({ status, updated_at_ms: this.clock() }).where('merchant_id', '=', merchantId).returningAll().executeTakeFirst(),
    );
    if (row === undefined) throw new BastionError('MERCHANT_ERR_NOT_FOUND', `merchant ${merchantId} does not exist`, { argument: 'merchantId' });
    return merchantFromRow(row);
  }

  /** Merchants in merchant-id order, after `after` if given; at most `limit` (bounded). */
  async list(options: { readonly limit?: number; readonly after?: string } = {}): Promise<Merchant[]> {
    const limit = options.limit ?? MERCHANT_LIST_LIMIT_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MERCHANT_LIST_LIMIT_MAX) {
      throw new BastionError('MERCHANT_ERR_ARGUMENT', `a list limit is from 1 to ${MERCHANT_LIST_LIMIT_MAX}`, { argument: 'limit' });
    }
    let query = this.db.selectFrom('merchants_merchants').selectAll().orderBy('merchant_id').limit(limit);
    if (options.after !== undefined) query = query.where('merchant_id', '>', options.after);
    return (await query.execute()).map(merchantFromRow);
  }
}

/** Rows are checked on the way out too: a row another program wrote must still make sense. */
function merchantFromRow(row: Selectable<MerchantRow>): Merchant {
  const rateBasisPoints = Number(row.fee_rate_bp);
  if (!isMerchantStatus(row.status) || rateBasisPoints < 0 || rateBasisPoints > MERCHANT_FEE_RATE_BASIS_POINTS_MAX) {
    throw new BastionError('MERCHANT_ERR_CORRUPT', 'a stored merchant row is not valid', { merchantRowId: Number(row.id) });
  }
  return {
    merchantId: row.merchant_id,
    legalName: row.legal_name,
    displayName: row.display_name,
    mcc: row.mcc,
    status: row.status,
    currency: row.currency,
    fee: { rateBasisPoints, fixedMinor: row.fee_fixed_minor },
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}
