import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { readAuditTail } from '../audit/index.js';
import { openHost, TERMINAL_ID, TestTerminal } from './test-host.js';

describe.each(databases)('sign-in atomicity on $name', (database) => {
  it('keeps the old working keys and answers 96 when the sign-in cannot be recorded in the audit log', async () => {
    const fixture = await openHost(database);
    const terminal = await TestTerminal.connect(fixture);
    try {
      await terminal.signIn();
      const before = await fixture.terminals.findByTerminalId(TERMINAL_ID);
      const auditedBefore = (await readAuditTail(fixture.store, 50)).length;
      // A real failure of the audit append: its head row is gone (AUDIT_ERR_HEAD_MISSING).
      await fixture.store.db<{ audit_head: { id: number } }>().deleteFrom('audit_head').execute();
      const reply = await terminal.exchange(terminal.signInMessage());
      expect(reply.get(39)).toBe('96');
      expect(reply.get(62)).toBeUndefined();
      const after = await fixture.terminals.findByTerminalId(TERMINAL_ID);
      expect(after?.keyGeneration).toBe(before?.keyGeneration);
      expect(after?.lastSignInAtMs).toBe(before?.lastSignInAtMs);
      expect(after?.workingKeys?.mak.ciphertext).toEqual(before?.workingKeys?.mak.ciphertext);
      expect(after?.workingKeys?.pik.ciphertext).toEqual(before?.workingKeys?.pik.ciphertext);
      expect(after?.workingKeys?.tdk?.ciphertext).toEqual(before?.workingKeys?.tdk?.ciphertext);
      expect((await readAuditTail(fixture.store, 50)).length).toBe(auditedBefore);
      // The terminal still holds those keys, and they still work.
      expect((await terminal.exchange(terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }))).get(39)).toBe('00');
    } finally {
      terminal.close();
      await fixture.close({ auditIntact: false });
    }
  });
});
