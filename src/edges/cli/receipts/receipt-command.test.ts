import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { migrateStore } from '../../../adapters/store/migrate.js';
import { openStore } from '../../../adapters/store/open-store.js';
import { databases, type TestDatabase } from '../../../adapters/store/test-databases.js';
import { decodeGrayPng, type ESignatureTables } from '../../../domain/e-signature/index.js';
import { MERCHANT_ID, openHost, TERMINAL_ID, type HostFixture } from '../../../domain/host/test-host.js';
import { squiggleSignature } from '../../terminal-simulator/signature-image.js';
import { uploadSignature } from '../../terminal-simulator/signature-upload.js';
import { provisionSimulatedTerminal } from '../../terminal-simulator/state.js';
import { transact } from '../../terminal-simulator/terminal.js';
import { useSignedInSimulator } from '../../terminal-simulator/test-simulator.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { loadBackOfficeReceipt } from './receipt-data.js';
import { renderReceiptPdf } from './receipt-pdf.js';
import { formatReceiptText } from './receipt-text.js';

const fullPan = testCard('approve-chip-pin').pan;
const maskedPan = '621234******0019';

/** What a PDF reader relies on: header, every xref offset pointing at its object, startxref at the xref, %%EOF. */
function checkPdfStructure(pdf: Buffer): { objects: Map<number, Buffer> } {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.4\n')).toBe(true);
  expect(text.endsWith('%%EOF\n')).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
  const header = /^xref\n0 (\d+)\n/.exec(text.slice(startxref));
  const count = Number(header?.[1]);
  expect(count).toBeGreaterThan(4);
  const entries = text.slice(startxref + (header?.[0].length ?? 0)).split('\n').slice(0, count);
  const objects = new Map<number, Buffer>();
  entries.slice(1).forEach((entry, index) => {
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + `${index + 1} 0 obj\n`.length)).toBe(`${index + 1} 0 obj\n`);
    const end = text.indexOf('\nendobj\n', offset);
    objects.set(index + 1, pdf.subarray(offset, end));
  });
  expect(text).toMatch(/trailer\n<< \/Size \d+ \/Root 1 0 R >>/);
  return { objects };
}

/** The image XObject's pixels: its /Length bytes of stream, inflated. */
function pdfImage(objects: Map<number, Buffer>): { width: number; height: number; pixels: Buffer } | undefined {
  for (const object of objects.values()) {
    const text = object.toString('latin1');
    if (!text.includes('/Subtype /Image')) continue;
    const length = Number(/\/Length (\d+)/.exec(text)?.[1]);
    const start = text.indexOf('stream\n') + 'stream\n'.length;
    expect(text.slice(start + length, start + length + 10)).toBe('\nendstream');
    return { width: Number(/\/Width (\d+)/.exec(text)?.[1]), height: Number(/\/Height (\d+)/.exec(text)?.[1]), pixels: inflateSync(object.subarray(start, start + length)) };
  }
  return undefined;
}

describe.each(databases)('the electronic receipt with its signature on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  it('text and PDF carry the transaction, the masked card only and the signature pixels', async () => {
    const sale = await transact(fixture.context, { kind: 'sale', card: testCard('approve-chip-pin'), entry: 'chip', amountMinor: 1_234n, pin: '1234' });
    const image = squiggleSignature(sale.trace);
    expect((await uploadSignature(fixture.context, { trace: sale.trace, rrn: sale.rrn ?? '', image })).stored).toBe(true);
    const receipt = await loadBackOfficeReceipt(fixture.host.store, { terminalId: TERMINAL_ID, trace: sale.trace, timeZone: 'Asia/Shanghai' });
    expect(receipt).toMatchObject({ merchantId: MERCHANT_ID, terminalId: TERMINAL_ID, trace: sale.trace, maskedPan, amountMinor: 1_234n, rrn: sale.rrn, authCode: sale.authCode, responseCode: '00', transaction: 'SALE' });
    const text = formatReceiptText(receipt);
    expect(text).toContain(maskedPan);
    expect(text).toContain('CNY 12.34');
    expect(text).toContain(`signature on file, sha256 ${receipt.signature?.sha256 ?? 'none'}`);
    expect(text).toMatch(/\|[ #]*#[ #]*\|/);
    expect(text).not.toContain(fullPan);

    const pdf = renderReceiptPdf(receipt);
    const { objects } = checkPdfStructure(pdf);
    expect(pdf.toString('latin1')).toContain(`(CARD NO      ${maskedPan}) Tj`);
    expect(pdf.toString('latin1')).not.toContain(fullPan);
    const embedded = pdfImage(objects);
    const decoded = decodeGrayPng(image);
    expect(embedded).toMatchObject({ width: decoded.width, height: decoded.height });
    expect(embedded?.pixels.equals(decoded.pixels)).toBe(true);

    const unsigned = await transact(fixture.context, { kind: 'sale', card: testCard('approve-chip-pin'), entry: 'chip', amountMinor: 500n, pin: '1234' });
    const plain = await loadBackOfficeReceipt(fixture.host.store, { terminalId: TERMINAL_ID, trace: unsigned.trace, timeZone: 'Asia/Shanghai' });
    expect(formatReceiptText(plain)).toContain('(no electronic signature on file)');
    expect(pdfImage(checkPdfStructure(renderReceiptPdf(plain)).objects)).toBeUndefined();
  });
});

describe('bastion receipt and bastion terminal sale --sign / sign, in-process through main() on SQLite', () => {
  const cli = useTemporaryDataDir();
  let host: HostFixture;
  // The host writes the SQLite file the CLI reads: BASTION_DATA_DIR/bastion.sqlite.
  const sharedFile: TestDatabase = {
    name: 'sqlite',
    async open(modules) {
      const store = openStore({ sqliteFile: join(cli.dataDir(), 'bastion.sqlite') });
      await migrateStore(store, modules);
      return store;
    },
  };

  beforeEach(async () => {
    cli.setUp();
    host = await openHost(sharedFile);
    provisionSimulatedTerminal({ dataDir: cli.dataDir(), terminalId: TERMINAL_ID, merchantId: MERCHANT_ID, hostAddress: { host: host.address.host, port: host.address.port }, tmk: host.tmk });
  });
  afterEach(async () => {
    await host.close();
    cli.tearDown();
  });

  it('signs after a sale and for an earlier one, reprints text and PDF, refuses bad input, and a tampered signature exits 2', async () => {
    expect((await cli.run('terminal', 'sign-in', '--tid', TERMINAL_ID)).exitCode).toBe(0);
    const signed = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '12.34', '--card', 'approve-chip-pin', '--pin', '1234', '--sign');
    expect(signed).toMatchObject({ exitCode: 0, stderr: '' });
    expect(signed.stdout).toMatch(/signature uploaded for trace 000002 \(RRN \d{12}\): \d+ bytes in \d+ part\(s\), sha256 [0-9a-f]{64}/);

    const later = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '3', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    const rrn = (JSON.parse(later.stdout) as { rrn: string }).rrn;
    expect((await cli.run('terminal', 'sign', '--tid', TERMINAL_ID, '--trace', '3', '--rrn', '000000000000')).exitCode).toBe(3);
    const signLater = await cli.run('terminal', 'sign', '--tid', TERMINAL_ID, '--trace', '3', '--rrn', rrn);
    expect(signLater).toMatchObject({ exitCode: 0, stderr: '' });
    const pngFile = join(cli.dataDir(), 'other.png');
    writeFileSync(pngFile, squiggleSignature('another hand'));
    const other = await cli.run('terminal', 'sign', '--tid', TERMINAL_ID, '--trace', '3', '--rrn', rrn, '--signature', pngFile);
    expect(other.exitCode).toBe(3);
    expect(other.stdout).toContain('signature NOT stored for trace 000003: 94');
    writeFileSync(pngFile, 'not a png');
    const notPng = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-chip-pin', '--pin', '1234', '--signature', pngFile);
    expect(notPng.exitCode).toBe(2);
    expect(notPng.stderr).toMatch(/^error SIM_ERR_SIGNATURE: /);

    const text = await cli.run('receipt', '2', '--tid', TERMINAL_ID);
    expect(text).toMatchObject({ exitCode: 0, stderr: '' });
    expect(text.stdout).toContain(maskedPan);
    expect(text.stdout).toContain('TRACE NO     000002');
    expect(text.stdout).toMatch(/signature on file, sha256 [0-9a-f]{64}/);
    const pdfFile = join(cli.dataDir(), 'receipt.pdf');
    const pdf = await cli.run('receipt', '000003', '--tid', TERMINAL_ID, '--batch', '1', '--format', 'pdf', '--out', pdfFile);
    expect(pdf).toMatchObject({ exitCode: 0, stderr: '' });
    const bytes = readFileSync(pdfFile);
    const image = pdfImage(checkPdfStructure(bytes).objects);
    expect(image?.pixels.equals(decodeGrayPng(squiggleSignature('000003')).pixels)).toBe(true);
    expect(bytes.toString('latin1')).toContain('621234******0027');

    expect((await cli.run('receipt', '2', '--tid', TERMINAL_ID, '--format', 'pdf')).stderr).toMatch(/^error RECEIPT_ERR_ARGUMENT: /);
    expect((await cli.run('receipt', '2x', '--tid', TERMINAL_ID)).stderr).toMatch(/^error RECEIPT_ERR_ARGUMENT: /);
    const missing = await cli.run('receipt', '999', '--tid', TERMINAL_ID);
    expect(missing).toMatchObject({ exitCode: 2 });
    expect(missing.stderr).toMatch(/^error RECEIPT_ERR_NOT_FOUND: /);

    const db = host.store.db<ESignatureTables>();
    const rows = await db.selectFrom('esignature_signatures').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) for (const value of Object.values(row)) expect(Buffer.isBuffer(value) ? value.toString('latin1') : String(value)).not.toContain(fullPan);
    await db.updateTable('esignature_signatures').set({ sha256: Buffer.alloc(32) }).where('trace', '=', '000002').execute();
    const tampered = await cli.run('receipt', '2', '--tid', TERMINAL_ID);
    expect(tampered.exitCode).toBe(2);
    expect(tampered.stderr).toMatch(/^error ESIG_ERR_TAMPERED: /);
    for (const run of [signed, later, signLater, text, pdf]) expect(run.stdout + run.stderr).not.toContain(fullPan);
    for (const file of ['bastion.sqlite', 'bastion.sqlite-wal']) {
      const path = join(cli.dataDir(), file);
      if (existsSync(path)) expect(readFileSync(path).toString('latin1')).not.toContain(fullPan);
    }
  });
});
