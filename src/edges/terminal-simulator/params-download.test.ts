import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { parseEmvParameterFile } from '../../domain/emv-params/index.js';
import type { EmvParamsTables } from '../../domain/emv-params/tables.js';
import { shippedParameters } from '../../domain/emv-params/test-params.js';
import { MERCHANT_ID, openHost, TERMINAL_ID, type HostFixture } from '../../domain/host/test-host.js';
import { ApplicationType, ProcessingRequirement, TerminalStatus } from '../../lib/iso8583/framing/index.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { unionPayEncodeCapkDownloadRequest } from '../../lib/tlv/index.js';
import { exchangeWithHost } from './client.js';
import { packPlain, simulatorCodec } from './messages.js';
import { downloadParameters, loadSimulatorParams, PARAMETERS_OUT_OF_DATE_NOTICE, simulatorParamsPath } from './params-download.js';
import { provisionSimulatedTerminal } from './state.js';
import { signInTerminal, transact } from './terminal.js';
import { formatReceipt, receiptJson } from './receipt.js';
import { TEST_TIMEOUT_MS } from './test-simulator.js';

/** 64 bytes of field 62 hold two CAPK list entries (23 bytes each) or five AIDs: the queries need several pages. */
const PAGE_BYTES_MAX = 64;

describe.each(databases)('parameter download by the terminal simulator over TCP on $name', (database) => {
  let host: HostFixture;
  let dataDir: string;
  let context: { dataDir: string; terminalId: string; timeoutMs: number };

  beforeEach(async () => {
    host = await openHost(database, { paramPageBytesMax: PAGE_BYTES_MAX });
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-params-'));
    provisionSimulatedTerminal({ dataDir, terminalId: TERMINAL_ID, merchantId: MERCHANT_ID, hostAddress: { host: host.address.host, port: host.address.port }, tmk: host.tmk });
    context = { dataDir, terminalId: TERMINAL_ID, timeoutMs: TEST_TIMEOUT_MS };
  });

  afterEach(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An echo test (0820, 301) and the processing-requirement nibble of its reply header. */
  const echoNibble = async (terminalId = TERMINAL_ID): Promise<number> => {
    let nibble = -1;
    const request = new IsoMessage(unionPayPosSpec, '0820', { 11: '999999', 41: terminalId, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: '301' } });
    await exchangeWithHost(host.address, packPlain(request), {
      header: { applicationType: ApplicationType.Ic, softwareVersion: 0x31, terminalStatus: TerminalStatus.Normal, processingRequirement: ProcessingRequirement.None, subVersion: 0x310000 },
      timeoutMs: TEST_TIMEOUT_MS,
      onReplyHeader: (header) => {
        nibble = header.processingRequirement;
      },
    });
    return nibble;
  };

  it('queries in several pages, downloads every key and AID, checks each checksum, ends; the nibble goes 4 → 0', async () => {
    expect(await echoNibble()).toBe(ProcessingRequirement.None);
    const file = shippedParameters();
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(file)));
    expect(await echoNibble()).toBe(ProcessingRequirement.DownloadCapks);
    expect(await echoNibble('10000002')).toBe(ProcessingRequirement.DownloadCapks);
    expect(await echoNibble('99999999')).toBe(ProcessingRequirement.None); // unknown to the registry: not asked

    await signInTerminal(context);
    const result = await downloadParameters(context);
    expect(result).toMatchObject({ completed: true, processingRequirementAtStart: ProcessingRequirement.DownloadCapks, processingRequirement: ProcessingRequirement.None });
    // 9 keys at 2 per page: 5 pages ('2' four times, then '1'); 10 AIDs (8 or 9 bytes each + 3) at 5 or 6 per page: 2 pages.
    expect(result.capkQueryPages).toBe(5);
    expect(result.aidQueryPages).toBe(2);
    expect([...result.capks].sort()).toEqual(file.capks.map((capk) => `${String(capk['rid'])}/${String(capk['index'])}`).sort());
    expect([...result.aids].sort()).toEqual(file.aids.map((aid) => String(aid['aid'])).sort());
    expect(result.file).toBe(simulatorParamsPath(dataDir, TERMINAL_ID));

    const saved = loadSimulatorParams(dataDir, TERMINAL_ID);
    expect(saved?.capks).toHaveLength(9);
    for (const capk of saved?.capks ?? []) {
      const source = file.capks.find((entry) => entry['rid'] === capk['rid'] && entry['index'] === capk['index']);
      expect(capk['checksum']).toBe(source?.['checksum']);
      expect(createHash('sha1').update(Buffer.from(`${String(source?.['rid'])}${String(source?.['index'])}${String(source?.['modulus'])}${String(source?.['exponent'])}`, 'hex')).digest('hex').toUpperCase()).toBe(capk['checksum']);
      expect(capk['record']).toContain(String(source?.['modulus']));
    }
    expect(await echoNibble()).toBe(ProcessingRequirement.None);
    expect(await echoNibble('10000002')).toBe(ProcessingRequirement.DownloadCapks);

    // A changed AID asks for IC parameters only (5); downloading again clears it.
    (file.aids[4] as Record<string, unknown>)['contactlessCvmLimitMinor'] = '30000';
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(file)));
    expect(await echoNibble()).toBe(ProcessingRequirement.DownloadIcParameters);
    const again = await downloadParameters(context);
    expect(again).toMatchObject({ completed: true, processingRequirementAtStart: ProcessingRequirement.DownloadIcParameters, processingRequirement: ProcessingRequirement.None });
    expect(await echoNibble()).toBe(ProcessingRequirement.None);
  });

  it('sign-in and sale results carry "parameters out of date: run bastion terminal params" while the host asks, and not after the download', async () => {
    const before = await signInTerminal(context);
    expect(before.notice).toBeUndefined();
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(shippedParameters())));
    const signIn = await signInTerminal(context);
    expect(signIn.notice).toBe(PARAMETERS_OUT_OF_DATE_NOTICE);
    const card = testCard('approve-chip-pin');
    const sale = await transact(context, { kind: 'sale', card, entry: 'chip', amountMinor: 100n, pin: '1234' });
    expect(sale).toMatchObject({ approved: true, notice: 'parameters out of date: run bastion terminal params' });
    expect(formatReceipt(sale)).toContain('parameters out of date: run bastion terminal params');
    expect(receiptJson(sale)).toMatchObject({ notice: PARAMETERS_OUT_OF_DATE_NOTICE });
    expect((await downloadParameters(context)).completed).toBe(true);
    const after = await transact(context, { kind: 'sale', card, entry: 'chip', amountMinor: 100n, pin: '1234' });
    expect(after.approved).toBe(true);
    expect(after.notice).toBeUndefined();
    expect(formatReceipt(after)).not.toContain('parameters out of date');
  });

  it('a terminal that has not signed in today is refused (77) at the first query and nothing is saved', async () => {
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(shippedParameters())));
    await signInTerminal(context);
    host.clock.advance(2n * 86_400_000n);
    const result = await downloadParameters(context);
    expect(result).toMatchObject({ completed: false, step: 'capk-query', responseCode: '77', capks: [], aids: [] });
    expect(loadSimulatorParams(dataDir, TERMINAL_ID)).toBeUndefined();
    expect(await host.emvParams.downloadNeeded(TERMINAL_ID)).toBe('capks');
  });

  it('a key whose stored modulus no longer matches its checksum is refused by the terminal (SIM_ERR_PARAMS) and nothing is saved', async () => {
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(shippedParameters())));
    const db = host.store.db<EmvParamsTables>();
    const row = await db.selectFrom('emv_params_capks').selectAll().where('rid', '=', 'A000000004').where('key_index', '=', 0xf1n).executeTakeFirstOrThrow();
    const modulus = Buffer.from(row.modulus);
    modulus[7] = (modulus[7] as number) ^ 0x80;
    await db.updateTable('emv_params_capks').set({ modulus }).where('rid', '=', 'A000000004').where('key_index', '=', 0xf1n).execute();
    await signInTerminal(context);
    const error = await expectBastionRejection(downloadParameters(context), 'SIM_ERR_PARAMS');
    expect(error.message).toContain('A000000004/F1');
    expect(loadSimulatorParams(dataDir, TERMINAL_ID)).toBeUndefined();
    expect(await host.emvParams.downloadNeeded(TERMINAL_ID)).toBe('capks');
  });

  it('the host answers a download of a key it does not have with 0 alone, and a field 62 that does not decode with 30', async () => {
    await host.emvParams.import(parseEmvParameterFile(JSON.stringify(shippedParameters())));
    await signInTerminal(context);
    const send = async (networkCode: string, field62: Buffer) => {
      const request = new IsoMessage(unionPayPosSpec, '0800', { 11: '888888', 41: TERMINAL_ID, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode }, 62: field62 });
      const header = { applicationType: ApplicationType.Ic, softwareVersion: 0x31, terminalStatus: TerminalStatus.Normal, processingRequirement: ProcessingRequirement.None, subVersion: 0x310000 };
      return simulatorCodec.unpack(await exchangeWithHost(host.address, packPlain(request), { header, timeoutMs: TEST_TIMEOUT_MS }));
    };
    const unknown = await send('370', unionPayEncodeCapkDownloadRequest({ rid: Buffer.from('A000000003', 'hex'), index: 0x99 }));
    expect(unknown.get(39)).toBe('00');
    expect(Buffer.from(unknown.get(62) ?? [])).toEqual(Buffer.from('0'));
    expect((await send('370', Buffer.from('9F06', 'hex'))).get(39)).toBe('30');
    expect((await send('380', Buffer.from('nonsense'))).get(39)).toBe('30');
  });

  it('a host with no parameters answers the queries 0 (none): nothing to download, and the ends are still recorded', async () => {
    await signInTerminal(context);
    const result = await downloadParameters(context);
    expect(result).toMatchObject({ completed: true, capkQueryPages: 1, aidQueryPages: 1, capks: [], aids: [], processingRequirement: ProcessingRequirement.None });
  });
});
