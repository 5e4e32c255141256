import { sql, type Kysely } from 'kysely';
import { BastionError } from '../../../lib/errors/index.js';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import type { IssuerTables } from './tables.js';

/** Times a debit that lost a race is tried again before the simulator answers system-error. */
export const DEBIT_ATTEMPTS_MAX = 3;

export type DebitResult = { readonly ok: true; readonly balanceMinor: bigint } | { readonly ok: false; readonly reason: 'exceeds-limit' | 'insufficient-funds' | 'system-error' };

interface DebitArgs {
  cardId: string;
  amountMinor: bigint;
  /** YYYYMMDD in the simulator's zone. */
  today: string;
  nowMs: bigint;
}

/** The debit and the read that explains a refusal: built and compiled once. */
const conditionalDebit = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<DebitArgs>) => {
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
    .where(sql<boolean>`${spentBefore} + ${amount} <= daily_limit_minor`)
    .returning('balance_minor');
});

const debitRules = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string }>) =>
  db.selectFrom('issuer_cards').select(['balance_minor', 'held_minor', 'daily_limit_minor', 'spent_today_minor', 'spend_day']).where('id', '=', arg('cardId')),
);

/**
 * Takes `amountMinor` from the card: one UPDATE whose WHERE clause holds both rules — the available
 * balance (balance less active pre-authorisation holds) covers it and today's spend plus it stays within the daily limit — so concurrent sales can
 * neither overdraw nor overspend (PostgreSQL re-checks the WHERE on the row it waited for). A
 * new day (YYYYMMDD in the simulator's zone) starts the spend from zero in the same statement.
 * When no row matches, the card as it is now says which rule refused; if neither does (a credit
 * landed in between), the debit is tried again, a bounded number of times.
 */
export async function debitCard(trx: Kysely<IssuerTables>, cardId: string, amountMinor: bigint, today: string, nowMs: bigint): Promise<DebitResult> {
  for (let attempt = 0; attempt < DEBIT_ATTEMPTS_MAX; attempt++) {
    const debited = await conditionalDebit.first(trx, { cardId, amountMinor, today, nowMs });
    if (debited !== undefined) return { ok: true, balanceMinor: debited.balance_minor };
    const card = await debitRules.first(trx, { cardId });
    if (card === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'a card read in this transaction is not there', { cardId });
    const spent = card.spend_day === today ? card.spent_today_minor : 0n;
    if (spent + amountMinor > card.daily_limit_minor) return { ok: false, reason: 'exceeds-limit' };
    if (card.balance_minor - card.held_minor < amountMinor) return { ok: false, reason: 'insufficient-funds' };
  }
  return { ok: false, reason: 'system-error' };
}
