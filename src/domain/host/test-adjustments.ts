import { testCardTrack2, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import type { IssuerTables } from '../../adapters/network/issuer-simulator/index.js';
import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { FEE_REVENUE_ACCOUNT, SCHEME_RECEIVABLE_ACCOUNT } from './deps.js';
import { codec, MERCHANT_ID, type HostFixture, type TestTerminal } from './test-host.js';

/**
 * Test support (left out of the build): void, refund and reversal messages as a terminal builds
 * them, and the money on both sides — the issuer's card balance and the host's ledger.
 */

export interface OriginalRef {
  readonly batch: string;
  readonly trace: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly amountMinor: bigint;
}

/** The reference a terminal keeps of an approved sale: from its request and the 0210. */
export function originalOf(request: Buffer, reply: IsoMessage<UnionPayPosSpec>): OriginalRef {
  const sent = codec.unpack(request);
  return { batch: sent.get(60)?.batchNumber ?? '', trace: sent.get(11) ?? '', rrn: reply.get(37) ?? '', authCode: reply.get(38) ?? '', amountMinor: BigInt(sent.get(4) ?? '0') };
}

/** A swiped void (0200 / 200000 / 23) of `original`; `amountMinor`, `rrn`, `authCode` override. */
export function voidMessage(terminal: TestTerminal, card: TestCardDefinition, original: OriginalRef, options: { trace?: string; amountMinor?: bigint; rrn?: string; authCode?: string; originalTrace?: string } = {}): Buffer {
  return terminal.withMac(
    new IsoMessage(unionPayPosSpec, '0200', {
      3: '200000',
      4: (options.amountMinor ?? original.amountMinor).toString().padStart(12, '0'),
      11: options.trace ?? terminal.nextTrace(),
      22: '022',
      25: '00',
      35: testCardTrack2(card),
      37: options.rrn ?? original.rrn,
      38: options.authCode ?? original.authCode,
      41: terminal.terminalId,
      42: MERCHANT_ID,
      49: '156',
      60: { typeCode: '23', batchNumber: terminal.batch },
      61: { originalBatch: original.batch, originalTrace: options.originalTrace ?? original.trace },
    }),
  );
}

/** A swiped refund (0220 / 200000 / 25) of `amountMinor` of `original`, with 61.3 = `date` (MMDD) when given. */
export function refundMessage(terminal: TestTerminal, card: TestCardDefinition, original: OriginalRef, amountMinor: bigint, options: { trace?: string; date?: string } = {}): Buffer {
  return terminal.withMac(
    new IsoMessage(unionPayPosSpec, '0220', {
      3: '200000',
      4: amountMinor.toString().padStart(12, '0'),
      11: options.trace ?? terminal.nextTrace(),
      22: '022',
      25: '00',
      35: testCardTrack2(card),
      37: original.rrn,
      41: terminal.terminalId,
      42: MERCHANT_ID,
      49: '156',
      60: { typeCode: '25', batchNumber: terminal.batch },
      61: { originalBatch: original.batch, originalTrace: original.trace, ...(options.date === undefined ? {} : { originalDate: options.date }) },
    }),
  );
}

/** The 0400 a terminal sends for an unanswered `request`: a copy with 39 = reason, card data removed, MAC'd again. */
export function reversalOf(terminal: TestTerminal, request: Buffer, reason = '98'): Buffer {
  const copy = codec.unpack(request);
  const reversal = new IsoMessage(unionPayPosSpec, '0400');
  for (const field of [3, 4, 11, 14, 22, 23, 25, 37, 38, 41, 42, 49, 55, 60, 61] as const) {
    const value = copy.get(field);
    if (value !== undefined) reversal.set(field, value);
  }
  reversal.set(39, reason);
  return terminal.withMac(reversal);
}

/** The issuer's balance of the test card `card`. */
export async function issuerBalance(fixture: HostFixture, card: TestCardDefinition): Promise<bigint> {
  const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['profile', 'balance_minor']).execute();
  const row = rows.find((candidate) => candidate.profile === card.profile);
  if (row === undefined) throw new Error(`no issuer card ${card.profile}`);
  return row.balance_minor;
}

/** Ledger balances (on each account's normal side) of the merchant's payable, the fee revenue and the scheme receivable. */
export async function hostMoney(fixture: HostFixture): Promise<{ payable: bigint; fees: bigint; receivable: bigint }> {
  const balance = async (code: string): Promise<bigint> => ((await fixture.ledger.findAccount(code)) === undefined ? 0n : (await fixture.ledger.balance(code)).balanceMinor);
  return { payable: await balance(`merchant:${MERCHANT_ID}:payable`), fees: await balance(FEE_REVENUE_ACCOUNT), receivable: await balance(SCHEME_RECEIVABLE_ACCOUNT) };
}
