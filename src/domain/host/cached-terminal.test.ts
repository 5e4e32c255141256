import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { TerminalsTables } from '../terminals/terminal-tables.js';
import { TERMINAL_ID, useHost } from './test-host.js';

const keyColumns = ['pik_algorithm', 'pik_ciphertext', 'pik_kcv', 'mak_algorithm', 'mak_ciphertext', 'mak_kcv', 'tdk_algorithm', 'tdk_ciphertext', 'tdk_kcv'] as const;

describe.each(databases)('host with a cached terminal on $name', (database) => {
  const host = useHost(database, { signIn: false, macFailuresLockAfter: 3 });

  it('a MAC under keys the cache has not caught up with is checked again against the database: approved, no failure counted', async () => {
    const { terminal } = host;
    const card = testCard('approve-chip-pin');
    const db = host.fixture.store.db<TerminalsTables>();
    await terminal.signIn();
    const firstKeys = { pik: terminal.pik, mak: terminal.mak, tdk: terminal.tdk };
    const firstRow = await db.selectFrom('terminals_terminals').select(keyColumns).where('terminal_id', '=', TERMINAL_ID).executeTakeFirstOrThrow();
    await terminal.signIn();
    // This sale leaves the terminal with the second sign-in's keys in the host's cache.
    expect((await terminal.exchange(terminal.sale(card, { pin: '1234' }))).get(39)).toBe('00');
    // Another node's sign-in, as this node sees it before that commit has reached its cache: the
    // row changes behind the service's back (on SQLite nothing tells the cache; on PostgreSQL the
    // trigger's notification may or may not have arrived by the next request).
    await db.updateTable('terminals_terminals').set(firstRow).where('terminal_id', '=', TERMINAL_ID).execute();
    Object.assign(terminal, firstKeys);
    for (let sale = 0; sale < 4; sale++) expect((await terminal.exchange(terminal.sale(card, { pin: '1234' }))).get(39)).toBe('00');
    const now = await host.fixture.terminals.findByTerminalId(TERMINAL_ID, { fresh: true });
    expect(now?.status).toBe('active');
    expect(now?.macFailureCount).toBe(0n);
  });

  it('a MAC that fails against the database too is refused A0 and counted once per request', async () => {
    const { terminal } = host;
    await terminal.signIn();
    const card = testCard('approve-chip-pin');
    expect((await terminal.exchange(terminal.sale(card, { pin: '1234' }))).get(39)).toBe('00');
    expect((await terminal.exchange(terminal.sale(card, { pin: '1234', badMac: true }))).get(39)).toBe('A0');
    expect((await terminal.exchange(terminal.sale(card, { pin: '1234', badMac: true }))).get(39)).toBe('A0');
    expect((await host.fixture.terminals.findByTerminalId(TERMINAL_ID, { fresh: true }))?.macFailureCount).toBe(2n);
  });
});
