import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { issuerBalance, reversalOf } from './test-adjustments.js';
import { useHost } from './test-host.js';

/** 23:59:50 on 2026-05-15 in Asia/Shanghai (UTC+8), the host's default business day. */
const TEN_SECONDS_TO_MIDNIGHT_MS = BigInt(Date.UTC(2026, 4, 15, 15, 59, 50));

describe.each(databases)('the business day turning at midnight, on $name', (database) => {
  const host = useHost(database);

  it('answers 77 after midnight until the terminal signs in again; then its reversal of a sale left unanswered before midnight, and new sales, are answered 00', async () => {
    const card = testCard('approve-chip-pin');
    host.fixture.clock.set(TEN_SECONDS_TO_MIDNIGHT_MS);
    await host.terminal.signIn();
    const before = await issuerBalance(host.fixture, card);
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', amountMinor: 1_000n }))).get(39)).toBe('00');
    // A sale whose answer the terminal never saw, just before midnight.
    const lost = host.terminal.sale(card, { pin: '1234', amountMinor: 2_500n });
    expect((await host.terminal.exchange(lost)).get(39)).toBe('00');

    host.fixture.clock.advance(20_000n);
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', amountMinor: 700n }))).get(39)).toBe('77');
    await host.terminal.signIn();
    expect((await host.terminal.exchange(reversalOf(host.terminal, lost))).get(39)).toBe('00');
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', amountMinor: 700n }))).get(39)).toBe('00');
    expect(await issuerBalance(host.fixture, card)).toBe(before - 1_000n - 700n);
  });
});
