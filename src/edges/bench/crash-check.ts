import { sql, type Kysely } from 'kysely';
import type { IssuerTables } from '../../adapters/network/issuer-simulator/tables.js';
import { verifyAuditLog } from '../../domain/audit/index.js';
import { FEE_REVENUE_ACCOUNT, SCHEME_RECEIVABLE_ACCOUNT, type HostTables } from '../../domain/host/index.js';
import { ledgerKeyOf, merchantPayableAccount, networkKeyOf } from '../../domain/host/record.js';
import { LedgerService } from '../../domain/ledger/index.js';
import type { LedgerTables } from '../../domain/ledger/tables.js';
import type { Store } from '../../ports/store.js';
import { BENCH_MERCHANT_ID } from './bench-fleet.js';
import { saleKey, type CrashBook } from './crash-book.js';

/** The invariants of issue 6 part 4, in the order they are reported. */
export const crashInvariants = [
  'approvals-recorded-once',
  'nothing-half-done',
  'ledger-balances',
  'audit-chain-verifies',
  'money-conserved',
] as const;
export type CrashInvariant = (typeof crashInvariants)[number];

/** The kind of the row a reversal leaves under the key of an original the host never saw (domain/host/reversal.ts). */
const REVERSED_UNSEEN = 'reversed-unseen';

/** Violations listed per invariant; all are counted. */
export const VIOLATIONS_LISTED_MAX = 20;

export interface InvariantResult {
  readonly invariant: CrashInvariant;
  readonly ok: boolean;
  readonly violationCount: number;
  /** The first VIOLATIONS_LISTED_MAX, each naming terminal and trace (never card data). */
  readonly violations: readonly string[];
}

export interface CrashCheck {
  readonly ok: boolean;
  readonly invariants: readonly InvariantResult[];
  /** Acknowledged approvals not found in the host's records or ledger. */
  readonly lost: number;
  /** Acknowledged approvals recorded or posted more than once. */
  readonly duplicates: number;
  /** Unanswered or declined sales that left money moved, and approvals nobody acknowledged that stand. */
  readonly halfDone: number;
  /** Ledger problems (unbalanced entries, fingerprints, checkpoints, non-zero totals). */
  readonly unbalanced: number;
  /** What became of the unanswered sales: approved at the host then reversed; never recorded (reversed unseen); recorded declined. */
  readonly unansweredOutcomes: { readonly approvedThenReversed: number; readonly reversedUnseen: number; readonly declined: number };
  readonly auditRowsChecked: bigint;
  readonly ledgerEntriesChecked: number;
}

type CheckTables = HostTables & LedgerTables & IssuerTables;

interface HostRow {
  readonly batch: string;
  readonly kind: string;
  readonly responseCode: string;
  readonly amountMinor: bigint;
  readonly rrn: string;
  readonly authCode: string | null;
  readonly cancelledBy: string | null;
  readonly ledgerKey: string | null;
}

interface IssuerRow {
  readonly outcome: string;
  readonly kind: string;
  readonly amountMinor: bigint;
  readonly returnedMinor: bigint;
}

class Violations {
  readonly listed: string[] = [];
  count = 0;

  add(message: string): void {
    this.count++;
    if (this.listed.length < VIOLATIONS_LISTED_MAX) this.listed.push(message);
  }

  result(invariant: CrashInvariant): InvariantResult {
    return { invariant, ok: this.count === 0, violationCount: this.count, violations: this.listed };
  }
}

/**
 * The independent checker of a crash run, on the store after every host has stopped: it reads
 * the host's records, the ledger and the issuer simulator's accounts directly (not through the
 * services that wrote them) and holds them to what the terminals saw (`book`).
 */
export async function checkCrashRun(store: Store, book: CrashBook, options: { readonly chainKey: Uint8Array }): Promise<CrashCheck> {
  const db = store.db<CheckTables>();
  const facts = await readFacts(db);
  const recorded = new Violations();
  const halfDone = new Violations();
  let lost = 0;
  let duplicates = 0;

  const acknowledged = new Set<string>();
  for (const approval of book.approvals) {
    const key = saleKey(approval.terminalId, approval.trace);
    const name = `terminal ${approval.terminalId} trace ${approval.trace} (round ${approval.round}, rrn ${approval.rrn})`;
    if (acknowledged.has(key)) {
      duplicates++;
      recorded.add(`${name}: approved twice at the terminal`);
    }
    acknowledged.add(key);
    const rows = facts.sales.get(key) ?? [];
    if (rows.length === 0) {
      lost++;
      recorded.add(`lost: ${name} was approved at the terminal but is not in host_transactions`);
      continue;
    }
    if (rows.length > 1) {
      duplicates++;
      recorded.add(`duplicate: ${name} is in host_transactions ${rows.length} times`);
    }
    const [row] = rows;
    if (row === undefined) continue;
    if (row.kind !== 'sale' || row.responseCode !== '00') recorded.add(`${name}: recorded as ${row.kind} answered ${row.responseCode}, not an approved sale`);
    if (row.rrn !== approval.rrn || row.authCode !== approval.authCode) recorded.add(`${name}: the recorded RRN or authorisation code is not the one the terminal received`);
    if (row.amountMinor !== approval.amountMinor) recorded.add(`${name}: recorded for ${row.amountMinor}, approved for ${approval.amountMinor}`);
    if (row.cancelledBy !== null) recorded.add(`${name}: acknowledged, yet cancelled (${row.cancelledBy})`);
    const recordKey = { terminalId: approval.terminalId, batch: row.batch, trace: approval.trace, requestClass: '0200' };
    const saleEntryKey = ledgerKeyOf('sale', recordKey);
    const entry = facts.entries.get(saleEntryKey);
    if (row.ledgerKey !== saleEntryKey || entry === undefined) {
      lost++;
      recorded.add(`lost: ${name} has no ledger entry ${saleEntryKey}`);
    } else if ((entry.get(SCHEME_RECEIVABLE_ACCOUNT) ?? 0n) !== approval.amountMinor) {
      recorded.add(`${name}: its ledger entry takes ${entry.get(SCHEME_RECEIVABLE_ACCOUNT) ?? 0n} from the scheme, not ${approval.amountMinor}`);
    }
    if (facts.entries.has(ledgerKeyOf('reversal', recordKey))) recorded.add(`${name}: acknowledged, yet its ledger entry was reversed`);
    const issuer = facts.issuer.get(networkKeyOf(recordKey));
    if (issuer?.outcome !== 'approved' || issuer.amountMinor !== approval.amountMinor || issuer.returnedMinor !== 0n) {
      recorded.add(`${name}: the issuer does not hold it as one approval of ${approval.amountMinor} kept whole`);
    }
  }

  const unansweredKeys = new Set<string>();
  const outcomes = { approvedThenReversed: 0, reversedUnseen: 0, declined: 0 };
  for (const sale of book.unanswered) {
    const key = saleKey(sale.terminalId, sale.trace);
    unansweredKeys.add(key);
    const name = `terminal ${sale.terminalId} trace ${sale.trace} (round ${sale.round}, unanswered)`;
    if (!sale.reversed) halfDone.add(`${name}: its reversal was never answered 00 (${sale.reversalAttempts ?? 0} sent, the last answered ${sale.lastReversalAnswer ?? 'nothing'})`);
    for (const row of facts.sales.get(key) ?? []) {
      if (row.kind === REVERSED_UNSEEN) outcomes.reversedUnseen++;
      else if (row.responseCode === '00') outcomes.approvedThenReversed++;
      else outcomes.declined++;
      const recordKey = { terminalId: sale.terminalId, batch: row.batch, trace: sale.trace, requestClass: '0200' };
      const saleEntry = facts.entries.get(ledgerKeyOf('sale', recordKey));
      if (row.responseCode === '00' && row.cancelledBy?.startsWith('reversal ') !== true) halfDone.add(`${name}: approved at the host and not reversed`);
      if (saleEntry !== undefined && !nets(saleEntry, facts.entries.get(ledgerKeyOf('reversal', recordKey)))) halfDone.add(`${name}: its ledger entry is not undone by a reversal`);
      if (row.kind !== REVERSED_UNSEEN && !facts.reversals.has(key)) halfDone.add(`${name}: no reversal recorded`);
    }
    const issuer = facts.issuer.get(networkKeyOf({ terminalId: sale.terminalId, batch: sale.pending.batchNumber, trace: sale.trace, requestClass: '0200' }));
    if (issuer?.outcome === 'approved' && issuer.returnedMinor !== issuer.amountMinor) halfDone.add(`${name}: the issuer kept ${issuer.amountMinor - issuer.returnedMinor}`);
  }
  for (const decline of book.declines) {
    const name = `terminal ${decline.terminalId} trace ${decline.trace} (round ${decline.round}, declined ${decline.responseCode})`;
    for (const row of facts.sales.get(saleKey(decline.terminalId, decline.trace)) ?? []) {
      if (row.ledgerKey !== null || row.responseCode === '00') halfDone.add(`${name}: declined at the terminal, approved or posted at the host`);
    }
  }
  // The other way round: nothing stands that no terminal was told of.
  for (const [key, rows] of facts.sales) {
    for (const row of rows) {
      if (row.kind === 'sale' && row.responseCode === '00' && row.cancelledBy === null && !acknowledged.has(key)) {
        halfDone.add(`terminal/trace ${key} (rrn ${row.rrn}): an approved sale stands that its terminal was never told of${unansweredKeys.has(key) ? ' (the terminal reversed it)' : ''}`);
      }
    }
  }
  for (const [networkKey, issuer] of facts.issuer) {
    if (issuer.kind !== 'sale' || issuer.outcome !== 'approved' || issuer.returnedMinor === issuer.amountMinor) continue;
    const [, terminalId = '', , trace = ''] = networkKey.split(':');
    if (!acknowledged.has(saleKey(terminalId, trace))) halfDone.add(`terminal ${terminalId} trace ${trace}: the issuer kept ${issuer.amountMinor - issuer.returnedMinor} of a sale no terminal was told was approved`);
  }
  for (const [ledgerKey] of facts.entries) {
    if (ledgerKey.startsWith('host.sale.') && !facts.ledgerKeysRecorded.has(ledgerKey)) halfDone.add(`ledger entry ${ledgerKey}: posted without its host record`);
  }

  const ledgerCheck = await new LedgerService(store, () => BigInt(Date.now())).verifyLedger();
  const ledger = new Violations();
  for (const problem of ledgerCheck.problems) ledger.add(`${problem.kind}: ${problem.message}`);
  ledger.count = ledgerCheck.problemCount;
  for (const [currency, total] of ledgerCheck.totalsByCurrency) if (total !== 0n) ledger.add(`currency ${currency}: the postings total ${total}, not 0`);

  const auditCheck = await verifyAuditLog(store, { chainKey: options.chainKey });
  const audit = new Violations();
  for (const problem of auditCheck.problems) audit.add(`${problem.kind} at seq ${problem.seq}: ${problem.detail}`);
  audit.count = Math.max(audit.count, Number(auditCheck.problemCount));
  if (!auditCheck.intact && audit.count === 0) audit.add('the audit chain does not verify');

  const money = checkMoney(book, facts);
  const invariants = [recorded.result('approvals-recorded-once'), halfDone.result('nothing-half-done'), ledger.result('ledger-balances'), audit.result('audit-chain-verifies'), money.result('money-conserved')];
  return {
    ok: invariants.every((invariant) => invariant.ok),
    invariants,
    lost,
    duplicates,
    halfDone: halfDone.count,
    unansweredOutcomes: outcomes,
    unbalanced: ledger.count,
    auditRowsChecked: auditCheck.rowsChecked,
    ledgerEntriesChecked: ledgerCheck.entriesChecked,
  };
}

/** Money: each card lost exactly its acknowledged approvals; the scheme owes, and merchant plus fees got, exactly their sum. */
function checkMoney(book: CrashBook, facts: Facts): Violations {
  const money = new Violations();
  const spentByCard = new Map<string, bigint>();
  let approvedMinor = 0n;
  for (const approval of book.approvals) {
    const card = book.cardOf.get(approval.terminalId) ?? '?';
    spentByCard.set(card, (spentByCard.get(card) ?? 0n) + approval.amountMinor);
    approvedMinor += approval.amountMinor;
  }
  for (const [card, initial] of book.initialBalances) {
    const balance = facts.cardBalances.get(card);
    const expected = initial - (spentByCard.get(card) ?? 0n);
    if (balance !== expected) money.add(`card ${card}: the issuer holds ${balance ?? 'no balance'}, the acknowledged approvals leave ${expected}`);
  }
  const receivable = facts.accountTotals.get(SCHEME_RECEIVABLE_ACCOUNT) ?? 0n;
  if (receivable !== approvedMinor) money.add(`the scheme receivable is ${receivable}, the acknowledged approvals total ${approvedMinor}`);
  const merchantAndFees = -((facts.accountTotals.get(merchantPayableAccount({ merchantId: BENCH_MERCHANT_ID })) ?? 0n) + (facts.accountTotals.get(FEE_REVENUE_ACCOUNT) ?? 0n));
  if (merchantAndFees !== approvedMinor) money.add(`merchant payable plus fee revenue is ${merchantAndFees}, the acknowledged approvals total ${approvedMinor}`);
  return money;
}

/** Whether a reversal entry exists and the two entries net to zero on every account. */
function nets(sale: ReadonlyMap<string, bigint>, reversal: ReadonlyMap<string, bigint> | undefined): boolean {
  if (reversal === undefined) return false;
  for (const account of new Set([...sale.keys(), ...reversal.keys()])) if ((sale.get(account) ?? 0n) + (reversal.get(account) ?? 0n) !== 0n) return false;
  return true;
}

interface Facts {
  /** 0200-class rows by terminal/trace (any batch; a tombstone included). */
  readonly sales: Map<string, HostRow[]>;
  /** terminal/trace of every recorded 0400. */
  readonly reversals: Set<string>;
  readonly ledgerKeysRecorded: Set<string>;
  /** Ledger entries under `host.*` keys: posting totals by account. */
  readonly entries: Map<string, Map<string, bigint>>;
  readonly issuer: Map<string, IssuerRow>;
  readonly cardBalances: Map<string, bigint>;
  readonly accountTotals: Map<string, bigint>;
}

async function readFacts(db: Kysely<CheckTables>): Promise<Facts> {
  const sales = new Map<string, HostRow[]>();
  const reversals = new Set<string>();
  const ledgerKeysRecorded = new Set<string>();
  const hostRows = await db
    .selectFrom('host_transactions')
    .select(['terminal_id', 'batch_number', 'trace', 'request_class', 'kind', 'response_code', 'amount_minor', 'rrn', 'auth_code', 'cancelled_by', 'ledger_key'])
    .where('merchant_id', '=', BENCH_MERCHANT_ID)
    .where('request_class', 'in', ['0200', '0400'])
    .execute();
  for (const row of hostRows) {
    const key = saleKey(row.terminal_id, row.trace);
    if (row.request_class === '0400') {
      reversals.add(key);
      continue;
    }
    if (row.ledger_key !== null) ledgerKeysRecorded.add(row.ledger_key);
    const list = sales.get(key) ?? [];
    list.push({ batch: row.batch_number, kind: row.kind, responseCode: row.response_code, amountMinor: row.amount_minor, rrn: row.rrn, authCode: row.auth_code, cancelledBy: row.cancelled_by, ledgerKey: row.ledger_key });
    sales.set(key, list);
  }
  const entries = new Map<string, Map<string, bigint>>();
  const postings = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_postings as p', 'p.entry_id', 'e.id')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['e.idempotency_key', 'a.code', 'p.amount_minor'])
    .where('e.idempotency_key', 'like', 'host.%')
    .execute();
  for (const posting of postings) {
    const entry = entries.get(posting.idempotency_key) ?? new Map<string, bigint>();
    entry.set(posting.code, (entry.get(posting.code) ?? 0n) + posting.amount_minor);
    entries.set(posting.idempotency_key, entry);
  }
  const issuer = new Map<string, IssuerRow>();
  const authorizations = await db.selectFrom('issuer_authorizations').select(['idempotency_key', 'kind', 'outcome', 'amount_minor', 'returned_minor']).where('merchant_id', '=', BENCH_MERCHANT_ID).execute();
  for (const row of authorizations) issuer.set(row.idempotency_key, { outcome: row.outcome, kind: row.kind, amountMinor: row.amount_minor, returnedMinor: row.returned_minor });
  const cardBalances = new Map<string, bigint>();
  for (const card of await db.selectFrom('issuer_cards').select(['profile', 'balance_minor']).where('profile', 'like', 'bench-%').execute()) cardBalances.set(card.profile, card.balance_minor);
  const accountTotals = new Map<string, bigint>();
  const totals = await db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['a.code', sql<string>`cast(sum(p.amount_minor) as text)`.as('total')])
    .groupBy('a.code')
    .execute();
  for (const total of totals) accountTotals.set(total.code, BigInt(total.total));
  return { sales, reversals, ledgerKeysRecorded, entries, issuer, cardBalances, accountTotals };
}

/** Each bench card's issuer balance now, by profile (read before the first round). */
export async function readBenchCardBalances(store: Store): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const card of await store.db<IssuerTables>().selectFrom('issuer_cards').select(['profile', 'balance_minor']).where('profile', 'like', 'bench-%').execute()) balances.set(card.profile, card.balance_minor);
  return balances;
}
