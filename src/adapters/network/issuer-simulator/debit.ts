import { sql, type Kysely } from 'kysely';
import { BastionError } from '../../../lib/errors/index.js';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import { advanceAtc } from './card-authentication.js';
import type { IssuerTables } from './tables.js';

/** Times a debit that lost a race is tried again before the simulator answers system-error. */
export const DEBIT_ATTEMPTS_MAX = 3;

export type DebitResult = { readonly ok: true; readonly balanceMinor: bigint } | { readonly ok: false; readonly reason: 'exceeds-limit' | 'insufficient-funds' | 'system-error' | 'atc-replayed' };

interface DebitArgs {
  cardId: string;
  amountMinor: bigint;
  /** YYYYMMDD in the simulator's zone. */
  today: string;
  nowMs: bigint;
}

/** The debit's UPDATE: both rules in its WHERE clause. */
function debitUpdate<A extends DebitArgs>(db: Kysely<IssuerTables>, arg: ArgumentOf<A>) {
  const amount = sql<bigint>`cast(${arg('amountMinor')} as bigint)`;
  const spentBefore = sql<bigint>`(case when spend_day = ${arg('today')} then spent_today_minor else 0 end)`;
  return db
    .updateTable('issuer_cards')
    .set({
      balance_minor: sql<bigint>`balance_minor - ${amount}`,
      spent_today_minor: sql<bigint>`${spentBefore} + ${amount}`,
      spend_day: arg('today'),
      updated_at_ms: arg('nowMs'),
    })
    .where('id', '=', arg('cardId'))
    .where(sql<boolean>`balance_minor - held_minor >= ${amount}`)
    .where(sql<boolean>`${spentBefore} + ${amount} <= daily_limit_minor`);
}

/** The debit, the debit that also takes a chip card's ATC, and the read that explains a refusal: built and compiled once. */
const conditionalDebit = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<DebitArgs>) => debitUpdate(db, arg).returning('balance_minor'));

// One UPDATE for the ATC high-water mark and the debit of a chip sale, instead of one each: the same conditions on the same row at the same point (nothing is written between them); when it matches no row, debitCard takes the ATC alone first, as before.
const conditionalDebitTakingAtc = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<DebitArgs & { atc: bigint }>) =>
  debitUpdate(db, arg).set({ atc_high_water: arg('atc') }).where('atc_high_water', '<', arg('atc')).returning('balance_minor'),
);

const debitRules = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string }>) =>
  db.selectFrom('issuer_cards').select(['balance_minor', 'held_minor', 'daily_limit_minor', 'spent_today_minor', 'spend_day', 'atc_high_water']).where('id', '=', arg('cardId')),
);

/**
 * Takes `amountMinor` from the card: one UPDATE whose WHERE clause holds both rules — the available
 * balance (balance less active pre-authorisation holds) covers it and today's spend plus it stays within the daily limit — so concurrent sales can
 * neither overdraw nor overspend (PostgreSQL re-checks the WHERE on the row it waited for). A
 * new day (YYYYMMDD in the simulator's zone) starts the spend from zero in the same statement.
 * When no row matches, the card as it is now says which rule refused; if neither does (a credit
 * landed in between), the debit is tried again, a bounded number of times. With `atc` (a chip
 * sale's verified ATC) the same UPDATE also makes it the card's high-water mark, only if it is
 * above it; a refusal then takes the ATC alone first (`atc-replayed` when it can't), so a declined
 * chip sale still uses its cryptogram up.
 */
export async function debitCard(trx: Kysely<IssuerTables>, cardId: string, amountMinor: bigint, today: string, nowMs: bigint, atc?: bigint): Promise<DebitResult> {
  let atcToTake = atc;
  for (let attempt = 0; attempt < DEBIT_ATTEMPTS_MAX; attempt++) {
    const debited = atcToTake === undefined ? await conditionalDebit.first(trx, { cardId, amountMinor, today, nowMs }) : await conditionalDebitTakingAtc.first(trx, { cardId, amountMinor, today, nowMs, atc: atcToTake });
    if (debited !== undefined) return { ok: true, balanceMinor: debited.balance_minor };
    const card = await debitRules.first(trx, { cardId });
    if (card === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'a card read in this transaction is not there', { cardId });
    if (atcToTake !== undefined) {
      // The ATC first, as if it had been taken before the debit: a replay is refused as one, and a declined debit still uses its cryptogram up.
      if (card.atc_high_water >= atcToTake || !(await advanceAtc(trx, cardId, atcToTake, nowMs))) return { ok: false, reason: 'atc-replayed' };
      atcToTake = undefined;
    }
    const spent = card.spend_day === today ? card.spent_today_minor : 0n;
    if (spent + amountMinor > card.daily_limit_minor) return { ok: false, reason: 'exceeds-limit' };
    if (card.balance_minor - card.held_minor < amountMinor) return { ok: false, reason: 'insufficient-funds' };
  }
  return { ok: false, reason: 'system-error' };
}
