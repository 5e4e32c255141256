import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Merchant } from '../merchants/index.js';
import { MAC_FAILURE_RESPONSE_CODE, terminalMaySignIn, terminalMayTransact, terminalRefusalCodes, type TerminalRefusal } from './may-transact.js';
import type { Terminal } from './terminal.js';
import { testTmk, testWorkingKeys } from './test-keys.js';

const merchant: Merchant = {
  merchantId: '102581054110001',
  legalName: 'Canton Grocers',
  displayName: 'Canton Grocers',
  mcc: '5411',
  status: 'active',
  currency: '156',
  fee: { rateBasisPoints: 60, fixedMinor: 0n },
  createdAtMs: 0n,
  updatedAtMs: 0n,
};

const today = '20240102';

const signedIn: Terminal = {
  terminalId: '10000001',
  merchantId: merchant.merchantId,
  serialNumber: 'N7NL0123456',
  model: 'PAX A920',
  macVariant: 'des-left',
  status: 'active',
  tmk: testTmk(),
  workingKeys: testWorkingKeys(1),
  keyGeneration: 1n,
  batchNumber: '000123',
  lastSignInAtMs: 1_704_151_800_000n,
  lastSignInLocalDate: today,
  signedOutAtMs: undefined,
  macFailureCount: 0n,
  lockReason: undefined,
  lockedAtMs: undefined,
  createdAtMs: 0n,
  updatedAtMs: 0n,
};

const context = { today, merchantIdInRequest: merchant.merchantId, batchNumberInRequest: '000123' };

function refused(reason: TerminalRefusal): { ok: false; reason: TerminalRefusal; responseCode: string } {
  return { ok: false, reason, responseCode: terminalRefusalCodes[reason] };
}

describe('terminalMayTransact', () => {
  it('lets a signed-in terminal of an active merchant transact in its batch', () => {
    expect(terminalMayTransact(signedIn, merchant, context)).toEqual({ ok: true });
    expect(terminalMayTransact(signedIn, merchant, { today })).toEqual({ ok: true });
  });

  it('refuses each case with its reason and UnionPay response code', () => {
    const cases: readonly [string, Terminal | undefined, Merchant | undefined, typeof context, TerminalRefusal, string][] = [
      ['no such terminal', undefined, merchant, context, 'unknown-terminal', '97'],
      ['a retired terminal', { ...signedIn, status: 'retired' }, merchant, context, 'terminal-retired', '97'],
      ['a locked terminal', { ...signedIn, status: 'locked', workingKeys: undefined }, merchant, context, 'terminal-locked', '58'],
      ['field 42 not the bound merchant', signedIn, merchant, { ...context, merchantIdInRequest: '102581054110002' }, 'merchant-mismatch', '97'],
      ['a merchant looked up by 42 that is not the bound one', signedIn, { ...merchant, merchantId: '102581054110002' }, context, 'merchant-mismatch', '97'],
      ['the bound merchant missing', signedIn, undefined, context, 'unknown-merchant', '03'],
      ['a suspended merchant', signedIn, { ...merchant, status: 'suspended' }, context, 'merchant-not-active', '03'],
      ['a closed merchant', signedIn, { ...merchant, status: 'closed' }, context, 'merchant-not-active', '03'],
      ['never signed in', { ...signedIn, status: 'new', workingKeys: undefined, lastSignInAtMs: undefined, lastSignInLocalDate: undefined }, merchant, context, 'not-signed-in-today', '77'],
      ['signed in yesterday', { ...signedIn, lastSignInLocalDate: '20240101' }, merchant, context, 'not-signed-in-today', '77'],
      ['signed out', { ...signedIn, workingKeys: undefined, signedOutAtMs: 1_704_160_000_000n }, merchant, context, 'not-signed-in-today', '77'],
      ['another batch in 60.2', signedIn, merchant, { ...context, batchNumberInRequest: '000122' }, 'batch-mismatch', '77'],
    ];
    for (const [, terminal, merchantOf, contextOf, reason, code] of cases) {
      expect(terminalMayTransact(terminal, merchantOf, contextOf)).toEqual({ ok: false, reason, responseCode: code });
    }
    // Every refusal the function can give is exercised above.
    expect(new Set(cases.map((entry) => entry[4]))).toEqual(new Set(Object.keys(terminalRefusalCodes).filter((reason) => reason !== 'no-master-key')));
  });

  it('checks the terminal before its merchant, and the merchant before the sign-in', () => {
    expect(terminalMayTransact({ ...signedIn, status: 'locked' }, undefined, context)).toEqual(refused('terminal-locked'));
    expect(terminalMayTransact({ ...signedIn, lastSignInLocalDate: '20240101' }, { ...merchant, status: 'closed' }, context)).toEqual(refused('merchant-not-active'));
  });

  it('names A0 as the response to a MAC failure', () => {
    expect(MAC_FAILURE_RESPONSE_CODE).toBe('A0');
  });
});

describe('terminalMaySignIn', () => {
  it('needs the identification and a TMK, not an earlier sign-in', () => {
    const fresh: Terminal = { ...signedIn, status: 'new', workingKeys: undefined, lastSignInAtMs: undefined, lastSignInLocalDate: undefined };
    expect(terminalMaySignIn(fresh, merchant, { merchantIdInRequest: merchant.merchantId })).toEqual({ ok: true });
    expect(terminalMaySignIn({ ...fresh, tmk: undefined }, merchant)).toEqual(refused('no-master-key'));
    expect(terminalMaySignIn(undefined, merchant)).toEqual(refused('unknown-terminal'));
    expect(terminalMaySignIn({ ...fresh, status: 'locked' }, merchant)).toEqual(refused('terminal-locked'));
    expect(terminalMaySignIn(fresh, { ...merchant, status: 'suspended' })).toEqual(refused('merchant-not-active'));
    expect(terminalMaySignIn(fresh, merchant, { merchantIdInRequest: '102581054110002' })).toEqual(refused('merchant-mismatch'));
  });
});

describe('docs/protocol.md, "Identifying the terminal"', () => {
  it('gives every refusal the response code the code gives it, and A0 for a MAC failure', () => {
    const docs = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('\n## Identifying the terminal\n'));
    const documented = Object.fromEntries(
      [...section.matchAll(/^\| [\d—]+ \| [^|]+ \| `([a-z-]+)` \| `([0-9A-Z]{2})` \|/gm)].map((match) => [match[1] as string, match[2] as string]),
    );
    expect(documented).toEqual(terminalRefusalCodes);
    expect(section).toMatch(/^\| — \| the MAC in field 64 verifies \| — \| `A0` \|/m);
  });
});
