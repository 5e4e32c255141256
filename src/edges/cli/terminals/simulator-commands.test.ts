import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../../adapters/store/test-databases.js';
import { MERCHANT_ID, openHost, TERMINAL_ID, type HostFixture } from '../../../domain/host/test-host.js';
import { combineKeyComponents, fromHex, PinBlockCipher, splitKey, toHex } from '../../../lib/crypto/index.js';
import { useTemporaryDataDir, type CliRun } from '../merchants/test-cli-env.js';
import { loadSimulatorState } from '../../terminal-simulator/state.js';

const cli = useTemporaryDataDir();

describe.each(databases)('bastion terminal inject / sign-in / sale / balance against a real host on $name', (database) => {
  let host: HostFixture;
  let components: string[];
  const runs: CliRun[] = [];
  const run = async (...argv: string[]): Promise<CliRun> => {
    const result = await cli.run(...argv);
    runs.push(result);
    return result;
  };

  beforeEach(async () => {
    cli.setUp();
    runs.length = 0;
    host = await openHost(database, { macFailuresLockAfter: 3 });
    components = splitKey('tdes', host.tmk, 2).map((component) => toHex(component.key).replace(/(.{4})(?=.)/g, '$1 '));
  });

  afterEach(async () => {
    await host.close();
    cli.tearDown();
  });

  const inject = (...extra: string[]) =>
    run('terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', String(host.address.port), '--component', components[0] ?? '', '--component', components[1] ?? '', ...extra);

  it('injects the TMK from components, signs in, sells, answers a balance; declines exit 3; JSON for scripts', async () => {
    const injected = await inject();
    expect(injected.exitCode).toBe(0);
    const kcv = toHex(combineKeyComponents('tdes', components.map((component) => fromHex(component.replace(/ /g, '')))).kcv).slice(0, 6);
    expect(injected.stdout).toContain(`TMK injected (tdes-2key), KCV ${kcv}`);
    expect(injected.stdout).toContain('track 2 enciphered under the TDK');
    const keyFile = /key file (\S+)/.exec(injected.stdout)?.[1] ?? '';
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const signIn = await run('terminal', 'sign-in', '--tid', TERMINAL_ID);
    expect(signIn).toMatchObject({ exitCode: 0, stderr: '' });
    expect(signIn.stdout).toMatch(/signed in, batch 000001, trace 000001/);

    const sale = await run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '12.34', '--card', 'approve-chip-pin', '--pin', '1234');
    expect(sale).toMatchObject({ exitCode: 0, stderr: '' });
    expect(sale.stdout).toContain('621234******0019 (CHIP)');
    expect(sale.stdout).toContain('¥12.34 CNY');
    expect(sale.stdout).toMatch(/RESPONSE\s+00 approved/);
    expect(sale.stdout).toMatch(/\nAPPROVED\n$/);

    const swipe = await run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '100', '--card', '6212340000000027', '--pin', '1234', '--json');
    expect(swipe.exitCode).toBe(0);
    const receipt = JSON.parse(swipe.stdout) as Record<string, unknown>;
    expect(receipt).toMatchObject({ approved: true, transaction: 'sale', entry: 'swipe', maskedPan: '621234******0027', amountMinor: '10000', amount: '100.00', currency: 'CNY', responseCode: '00', trace: '000003' });

    const balance = await run('terminal', 'balance', '--tid', TERMINAL_ID, '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect(balance.exitCode).toBe(0);
    expect(JSON.parse(balance.stdout)).toMatchObject({ transaction: 'balance-inquiry', balanceMinor: '9990000', balance: '99900.00' });

    const declined = await run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '10.01', '--card', 'insufficient-funds', '--pin', '1234');
    expect(declined.exitCode).toBe(3);
    expect(declined.stdout).toMatch(/51 insufficient funds[\s\S]*DECLINED/);

    expect((await host.ledger.verifyLedger()).entriesChecked).toBe(2);
    expect((await host.ledger.verifyLedger()).ok).toBe(true);
    expectNothingSecretIn(runs, [testCard('approve-chip-pin').pan, testCard('approve-magstripe').pan, testCard('insufficient-funds').pan]);
  });

  it('refuses bad input with exit 2 and a coded error, before anything is sent', async () => {
    await inject();
    const cases: [string[], string][] = [
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '12.345', '--card', 'approve-chip-pin'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '-1', '--card', 'approve-chip-pin'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '10000000000.00', '--card', 'approve-chip-pin'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--card', 'approve-chip-pin'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', '6299990000000011'], 'SIM_ERR_CARD'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-magstripe', '--entry', 'chip'], 'SIM_ERR_CARD'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-chip-pin', '--entry', 'tap'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-chip-pin', '--pin', '12a4'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-chip-pin', '--pin', '1234'], 'SIM_ERR_NOT_SIGNED_IN'],
      [['terminal', 'sign-in', '--tid', '10000009'], 'SIM_ERR_NOT_PROVISIONED'],
      [['terminal', 'sign-in', '--tid', 'bad'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sign-in', '--tid', TERMINAL_ID, '--port', '70000'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'sign-in', '--tid', TERMINAL_ID, '--timeout-ms', '0'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', '1', '--component', components[0] ?? ''], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', '1', '--component', 'XYZ', '--component', 'ABC'], 'SIM_ERR_ARGUMENT'],
      [['terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', '1', '--component', components[0] ?? '', '--component', components[1] ?? '', '--mac-variant', 'cbc'], 'SIM_ERR_ARGUMENT'],
    ];
    for (const [argv, code] of cases) {
      const result = await run(...argv);
      expect({ argv, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ argv, exitCode: 2, stdout: '' });
      expect(result.stderr, argv.join(' ')).toMatch(new RegExp(`^error ${code}: `));
    }
    expect(loadSimulatorState(cli.dataDir(), TERMINAL_ID).lastTrace).toBe(0);
    expectNothingSecretIn(runs, ['6299990000000011', testCard('approve-chip-pin').pan]);
  });

  it('exits 4 when there is no trustworthy answer: nobody listening, or keys whose KCVs do not match', async () => {
    await inject();
    const refused = await run('terminal', 'sign-in', '--tid', TERMINAL_ID, '--port', '1');
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/^error SIM_ERR_CONNECT: /);

    const wrong = splitKey('tdes', Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex'), 2).map((component) => toHex(component.key));
    await run('terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', String(host.address.port), '--component', wrong[0] ?? '', '--component', wrong[1] ?? '', '--plain-tracks');
    const mismatch = await run('terminal', 'sign-in', '--tid', TERMINAL_ID, '--json');
    expect(mismatch.exitCode).toBe(4);
    expect(mismatch.stderr).toMatch(/^error SIM_ERR_KCV_MISMATCH: /);
    expect(loadSimulatorState(cli.dataDir(), TERMINAL_ID).workingKeys).toBeUndefined();
    // The trace went up although nothing was installed: it was used on the wire.
    expect(loadSimulatorState(cli.dataDir(), TERMINAL_ID).lastTrace).toBe(2);
  });

  it('shows no PAN, PIN, PIN block or key in any output, approved, declined or refused (canary)', async () => {
    await inject('--plain-tracks');
    await run('terminal', 'sign-in', '--tid', TERMINAL_ID, '--json');
    const card = testCard('pin-to-block');
    const wrongPin = '975318642097';
    for (const pin of [wrongPin, wrongPin, wrongPin, card.testPin]) {
      await run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1.00', '--card', card.pan, '--pin', pin);
      await run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1.00', '--card', card.pan, '--pin', pin, '--json');
    }
    expect(runs.at(-1)?.stdout).toMatch(/"responseCode":"75"/);
    const state = loadSimulatorState(cli.dataDir(), TERMINAL_ID);
    const keys = state.workingKeys;
    if (keys === undefined) throw new Error('not signed in');
    const pinBlocks = [wrongPin, card.testPin].map((pin) => toHex(new PinBlockCipher(0, Buffer.from(keys.pik, 'hex')).encrypt(pin, card.pan)));
    const keyFile = readFileSync(`${cli.dataDir()}/simulator/terminal-${TERMINAL_ID}.json`, 'utf8');
    expect(keyFile).toContain(keys.mak);
    expectNothingSecretIn(runs, [card.pan, ...pinBlocks, state.tmk, keys.pik, keys.mak, keys.tdk, ...components.map((component) => component.replace(/ /g, ''))]);
    for (const result of runs) {
      expect(result.stdout + result.stderr).not.toMatch(/PIN\W+\d{4}/i);
      expect(result.stdout + result.stderr).not.toContain(wrongPin);
    }
  });
});

/** No secret, nor any 8-character window of a long one, in any stdout or stderr (hex compared case-insensitively). */
function expectNothingSecretIn(runs: readonly CliRun[], secrets: readonly string[]): void {
  const text = runs.map((result) => `${result.stdout}\n${result.stderr}`).join('\n').toUpperCase();
  for (const secret of secrets) {
    const upper = secret.toUpperCase();
    expect(text).not.toContain(upper);
    if (upper.length >= 16) {
      for (let start = 0; start + 8 <= upper.length; start += 4) expect(text, 'a part of a secret').not.toContain(upper.slice(start, start + 8));
    }
  }
}
