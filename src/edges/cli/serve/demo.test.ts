import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCards, testCardTrack2 } from '../../../adapters/network/issuer-simulator/index.js';
import { encodePinBlock, PinBlockCipher } from '../../../lib/crypto/index.js';
import { IsoMessage, unionPayPosSpec } from '../../../lib/iso8583/index.js';
import { codec, frameOf, TestClient } from '../../channel/test-channel.js';
import { parsePrometheusText, sampleSum } from '../../http/test-prometheus.js';
import { DEMO_MERCHANT_ID, DEMO_TERMINAL_ID } from './demo-data.js';
import { binPath, HostProcess, hostEnvironment, httpGet, runBastion, startWaitMs } from './test-host-process.js';

/**
 * `bastion demo` end to end, as the README's first command runs it: the real binary on a fresh
 * BASTION_DATA_DIR, every printed line run through `sh -c` from another directory, the health
 * and metrics endpoints, a clean stop on SIGTERM, a second run on the same data, and a canary
 * scan of the log and the output for card data and keys.
 */
const root = mkdtempSync(join(tmpdir(), 'bastion-demo-test-'));
const dataDir = join(root, 'data');
const elsewhere = join(root, 'another-directory');
mkdirSync(elsewhere);
const env = hostEnvironment({ BASTION_DATA_DIR: dataDir });

// The printed `bastion terminal …` lines need the terminal simulator's commands. Commander exits 0
// for --help of an unknown subcommand too (it shows the parent's help), so look at the usage line.
const simulatorReady = runBastion(['terminal', 'sign-in', '--help'], env).stdout.includes('Usage: bastion terminal sign-in');
if (!simulatorReady) {
  process.stderr.write('\n[bastion tests] `bastion terminal sign-in` does not exist in this build: the demo test that runs the printed simulator commands is SKIPPED.\n');
}
const curlReady = spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 10_000 }).status === 0;
if (!curlReady) process.stderr.write('\n[bastion tests] curl is not installed: the printed curl lines are fetched with fetch() instead.\n');

let demo: HostProcess;
let httpBase: string;
let channelPort: number;

function printedLines(output: string): string[] {
  const start = output.indexOf('Try it from another shell');
  return output.slice(start).split('\n').slice(1).filter((line) => line !== '' && !line.startsWith('#'));
}

function sh(line: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-c', line], { cwd: elsewhere, env: hostEnvironment({}), encoding: 'utf8', timeout: startWaitMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  demo = new HostProcess(['demo', '--channel-port', '0', '--http-port', '0'], { env, cwd: elsewhere });
  await demo.waitForOutput(/audit verify\n/);
  httpBase = (await demo.waitForOutput(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1] as string;
  channelPort = Number((await demo.waitForOutput(/terminal channel: 127\.0\.0\.1:(\d+) \(plain TCP\)/))[1]);
});

afterAll(() => {
  demo.kill();
  rmSync(root, { recursive: true, force: true });
});

describe('bastion demo', () => {
  it('creates the demo data and prints the commands to try, one per line, with absolute paths', () => {
    expect(demo.stdout).toContain(`Demo data directory: ${dataDir} (new)`);
    expect(existsSync(join(dataDir, 'demo.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'keys', 'lmk.sealed'))).toBe(true);
    expect(existsSync(join(dataDir, 'keys', 'audit-chain.key'))).toBe(true);
    expect(existsSync(join(dataDir, 'simulator', `terminal-${DEMO_TERMINAL_ID}.json`))).toBe(true);
    expect(demo.stderr).toContain('DEVELOPMENT LMK');
    const bastion = `BASTION_DATA_DIR=${dataDir} ${process.execPath} ${binPath}`;
    expect(printedLines(demo.stdout)).toEqual([
      `${bastion} terminal sign-in --tid ${DEMO_TERMINAL_ID}`,
      `${bastion} terminal sale --tid ${DEMO_TERMINAL_ID} --amount 12.34 --card approve-chip-pin --pin 1234`,
      `${bastion} terminal sale --tid ${DEMO_TERMINAL_ID} --amount 23.45 --card approve-magstripe --pin 1234 --entry swipe`,
      `${bastion} terminal sale --tid ${DEMO_TERMINAL_ID} --amount 8.00 --card approve-chip-pin --pin 1234 --entry contactless`,
      `${bastion} terminal balance --tid ${DEMO_TERMINAL_ID} --card approve-chip-pin --pin 1234`,
      `${bastion} terminal sale --tid ${DEMO_TERMINAL_ID} --amount 50.00 --card insufficient-funds --pin 1234`,
      `curl -s ${httpBase}/healthz`,
      `curl -s ${httpBase}/metrics`,
      `${bastion} audit verify`,
    ]);
  });

  it('answers /healthz with 200 and the checks', async () => {
    const health = await httpGet(`${httpBase}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', store: 'reachable', channel: 'listening' });
  });

  it('/metrics parses as Prometheus text and its reply counter rises after a sign-in', async () => {
    const before = parsePrometheusText((await httpGet(`${httpBase}/metrics`)).body);
    const signInsBefore = sampleSum(before, 'bastion_host_replies_total', { request_mti: '0800', response_code: '00' });
    const client = await TestClient.connect({ host: '127.0.0.1', port: channelPort, family: 'IPv4' });
    try {
      client.send(frameOf(codec.pack(new IsoMessage(unionPayPosSpec, '0800', { 11: '000001', 41: DEMO_TERMINAL_ID, 42: DEMO_MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: '004' } }))));
      expect((await client.nextReply()).message.get(39)).toBe('00');
    } finally {
      client.close();
    }
    const metrics = await httpGet(`${httpBase}/metrics`);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const after = parsePrometheusText(metrics.body);
    expect(sampleSum(after, 'bastion_host_replies_total', { request_mti: '0800', reply_mti: '0810', response_code: '00' })).toBe(signInsBefore + 1);
    expect(sampleSum(after, 'bastion_host_request_duration_seconds_count')).toBeGreaterThan(sampleSum(before, 'bastion_host_request_duration_seconds_count'));
    expect(sampleSum(after, 'bastion_channel_connections_accepted_total')).toBeGreaterThan(sampleSum(before, 'bastion_channel_connections_accepted_total'));
    expect(sampleSum(after, 'bastion_build_info')).toBe(1);
  });

  it.skipIf(!simulatorReady)('every printed terminal line runs as printed from another directory: sign-in and sales approved, insufficient funds declined', () => {
    const lines = printedLines(demo.stdout).filter((line) => line.includes(' terminal '));
    expect(lines).toHaveLength(6);
    const results = lines.map((line) => ({ line, ...sh(line) }));
    const [signIn, chip, stripe, contactless, balance, declined] = results;
    for (const approved of [signIn, chip, stripe, contactless, balance]) expect({ line: approved?.line, status: approved?.status, stderr: approved?.stderr }).toMatchObject({ status: 0, stderr: '' });
    expect(chip?.stdout).toContain('APPROVED');
    expect(stripe?.stdout).toContain('SWIPE');
    expect(contactless?.stdout).toContain('CONTACTLESS');
    expect(balance?.stdout).toContain('BALANCE');
    expect(declined?.status).not.toBe(0);
    expect(declined?.stdout).toMatch(/51/);
    expect(declined?.stdout).toContain('DECLINED');
  });

  it('the printed curl lines and audit verify run as printed', async () => {
    const lines = printedLines(demo.stdout);
    const curlLines = lines.filter((line) => line.startsWith('curl '));
    expect(curlLines).toHaveLength(2);
    if (curlReady) {
      const health = sh(curlLines[0] as string);
      expect(health.status).toBe(0);
      expect(JSON.parse(health.stdout)).toMatchObject({ status: 'ok' });
      const metrics = sh(curlLines[1] as string);
      expect(metrics.status).toBe(0);
      expect(() => parsePrometheusText(metrics.stdout)).not.toThrow();
    } else {
      for (const line of curlLines) expect((await httpGet(line.replace(/^curl -s /, ''))).status).toBe(200);
    }
    const verify = sh(lines.find((line) => line.endsWith(' audit verify')) as string);
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact: \d+ rows/);
  });

  it('stops on SIGTERM with exit 0, the store closed', async () => {
    const exit = await demo.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(demo.stdout).toContain('Bastion host stopped.');
    const log = readFileSync(join(dataDir, 'logs', 'bastion.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(log.map((line) => line.msg)).toEqual(expect.arrayContaining(['host listening', 'stopping: no new connections; requests in flight finish', 'channel stopped', 'store closed']));
    const replies = log.filter((line) => line.msg === 'reply') as unknown as { requestMti: string; responseCode: string; terminalId: string }[];
    expect(replies).toContainEqual(expect.objectContaining({ requestMti: '0800', responseCode: '00', terminalId: DEMO_TERMINAL_ID }));
    if (simulatorReady) expect(replies).toContainEqual(expect.objectContaining({ requestMti: '0200', responseCode: '51', terminalId: DEMO_TERMINAL_ID }));
    // SQLite removes the write-ahead log when the last connection closes cleanly.
    expect(existsSync(join(dataDir, 'bastion.sqlite-wal'))).toBe(false);
  });

  it('leaves no clear PAN, track, PIN block or key in the log or its output (canary)', () => {
    const canaries: string[] = [];
    for (const card of testCards) {
      const track2 = testCardTrack2(card);
      canaries.push(card.pan, track2, track2.replace('=', 'D'));
      for (const pin of new Set(['1234', card.testPin])) canaries.push(encodePinBlock(0, pin, card.pan).toString('hex'));
    }
    const state = JSON.parse(readFileSync(join(dataDir, 'simulator', `terminal-${DEMO_TERMINAL_ID}.json`), 'utf8')) as { tmk: string; workingKeys?: { pik: string; mak: string; tdk: string } };
    canaries.push(state.tmk);
    if (simulatorReady) {
      expect(state.workingKeys).toBeDefined();
      const keys = state.workingKeys as { pik: string; mak: string; tdk: string };
      canaries.push(keys.pik, keys.mak, keys.tdk);
      // The PIN blocks the sales sent, enciphered under the PIK of the last sign-in.
      const cipher = new PinBlockCipher(0, Buffer.from(keys.pik, 'hex'));
      for (const card of testCards) canaries.push(cipher.encrypt('1234', card.pan).toString('hex'));
    }
    const haystacks = { log: readFileSync(join(dataDir, 'logs', 'bastion.log'), 'utf8'), stdout: demo.stdout, stderr: demo.stderr };
    for (const [where, text] of Object.entries(haystacks)) {
      const lower = text.toLowerCase();
      const found = canaries.filter((canary) => lower.includes(canary.toLowerCase()));
      expect({ where, found }).toEqual({ where, found: [] });
    }
  });

  it('runs again on its own data: reuses it and serves', async () => {
    const again = new HostProcess(['demo', '--channel-port', '0', '--http-port', '0'], { env, cwd: elsewhere });
    try {
      await again.waitForOutput(/audit verify\n/);
      expect(again.stdout).toContain('reusing it');
      expect(again.stdout).not.toContain('new TMK');
      const base = (await again.waitForOutput(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1] as string;
      expect((await httpGet(`${base}/healthz`)).status).toBe(200);
      if (simulatorReady) {
        const signIn = sh(printedLines(again.stdout)[0] as string);
        expect({ status: signIn.status, stderr: signIn.stderr }).toEqual({ status: 0, stderr: '' });
      }
      expect(await again.stop('SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      again.kill();
    }
  });

  it('refuses a non-empty data directory that is not a demo (SERVE_ERR_DEMO_DATA)', () => {
    const other = join(root, 'not-a-demo');
    mkdirSync(other);
    writeFileSync(join(other, 'bastion.sqlite'), 'someone else\'s data');
    const result = runBastion(['demo', '--channel-port', '0', '--http-port', '0'], hostEnvironment({ BASTION_DATA_DIR: other }));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error SERVE_ERR_DEMO_DATA: /);
    expect(readFileSync(join(other, 'bastion.sqlite'), 'utf8')).toBe('someone else\'s data');
    expect(existsSync(join(other, 'demo.json'))).toBe(false);
  });
});
