import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { decodeGrayPng, encodeGrayPng, SignatureService, SIGNATURE_PART_BYTES_MAX, type ESignatureTables } from '../../domain/e-signature/index.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { squiggleSignature } from './signature-image.js';
import { signatureParts, uploadSignature, uploadSignatureParts } from './signature-upload.js';
import { transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

/** A greyscale PNG of noise: it does not compress, so it takes many parts. */
function noisyPng(width: number, height: number, seed: string): Buffer {
  const pixels = Buffer.alloc(width * height);
  let block = Buffer.alloc(0);
  for (let offset = 0; offset < pixels.length; offset += 32) {
    block = createHash('sha256').update(seed).update(block).digest();
    block.copy(pixels, offset);
  }
  return encodeGrayPng({ width, height, pixels });
}

describe.each(databases)('electronic signature upload over TCP through the simulator on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  const sale = async (profile = 'approve-chip-pin', amountMinor = 1_234n) => {
    const card = testCard(profile);
    return transact(fixture.context, { kind: 'sale', card, entry: card.emv === undefined ? 'swipe' : 'chip', amountMinor, pin: '1234' });
  };
  const signatures = () => new SignatureService(fixture.host.store, fixture.host.clock.now);
  const key = (trace: string) => ({ terminalId: TERMINAL_ID, batchNumber: fixture.state().batchNumber, trace });

  it('stores the signature of an approved sale, compressed and checksummed; the same bytes again are 00, other bytes 94', async () => {
    const receipt = await sale();
    expect(receipt.approved).toBe(true);
    const image = squiggleSignature(receipt.trace);
    expect(squiggleSignature(receipt.trace)).toEqual(image);
    const result = await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image });
    expect(result).toMatchObject({ responseCode: '00', stored: true, partCount: Math.ceil(image.length / SIGNATURE_PART_BYTES_MAX) });

    const stored = await signatures().find(key(receipt.trace));
    expect(stored?.image.equals(image)).toBe(true);
    expect(stored?.sha256.toString('hex')).toBe(createHash('sha256').update(image).digest('hex'));
    expect(stored).toMatchObject({ rrn: receipt.rrn, width: 160, height: 48, imageFormat: 'PNG' });
    const row = await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_signatures').selectAll().executeTakeFirstOrThrow();
    expect(Buffer.from(row.compressed).equals(image)).toBe(false);
    expect(await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_upload_parts').selectAll().execute()).toEqual([]);

    const again = await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image });
    expect(again).toMatchObject({ responseCode: '00', stored: true });
    const other = await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image: squiggleSignature('someone else') });
    expect(other).toMatchObject({ responseCode: '94', stored: false, partsSent: 1 });
    expect((await signatures().find(key(receipt.trace)))?.image.equals(image)).toBe(true);
  });

  it('uploads a large image in many parts and reassembles it exactly', async () => {
    const receipt = await sale();
    const image = noisyPng(120, 60, 'multi-part');
    const result = await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image });
    expect(result.partCount).toBeGreaterThan(10);
    expect(result).toMatchObject({ responseCode: '00', stored: true, partsSent: result.partCount });
    const stored = await signatures().find(key(receipt.trace));
    expect(stored?.image.equals(image)).toBe(true);
    expect(decodeGrayPng(stored?.image ?? Buffer.alloc(0)).pixels.equals(decodeGrayPng(image).pixels)).toBe(true);
  });

  it('takes parts in any order, sent again, or at the same time, and stores the image once', async () => {
    const receipt = await sale();
    const rrn = receipt.rrn ?? '';
    const image = noisyPng(60, 30, 'order');
    const parts = signatureParts(image, fixture.state().batchNumber, rrn);
    expect(parts.length).toBeGreaterThan(3);
    const input = (index: number) => {
      const part = parts[index];
      if (part === undefined) throw new Error(`no part ${index}`);
      return { ...key(receipt.trace), merchantId: 'M', rrn, part };
    };
    const last = parts.length - 1;
    expect((await signatures().receivePart(input(last))).kind).toBe('part-stored');
    expect((await signatures().receivePart(input(0))).kind).toBe('part-stored');
    expect(await signatures().receivePart(input(0))).toEqual({ kind: 'part-stored', partsReceived: 2 });
    const outcomes = await Promise.all(parts.slice(1, last).map((_, index) => signatures().receivePart(input(index + 1))));
    expect(outcomes.filter((outcome) => outcome.kind === 'stored')).toHaveLength(1);
    expect((await signatures().find(key(receipt.trace)))?.image.equals(image)).toBe(true);
    expect(await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_signatures').selectAll().execute()).toHaveLength(1);
  });

  it('refuses an unknown transaction (25), a declined one and a balance inquiry (12), a wrong RRN (25); nothing stored', async () => {
    const image = squiggleSignature('x');
    expect((await uploadSignature(fixture.context, { trace: '000777', rrn: '123456789012', image })).responseCode).toBe('25');
    const declined = await sale('insufficient-funds', 50_000n);
    expect(declined.approved).toBe(false);
    expect((await uploadSignature(fixture.context, { trace: declined.trace, rrn: declined.rrn ?? '', image })).responseCode).toBe('12');
    const balance = await transact(fixture.context, { kind: 'balance-inquiry', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234' });
    expect((await uploadSignature(fixture.context, { trace: balance.trace, rrn: balance.rrn ?? '', image })).responseCode).toBe('12');
    const approved = await sale();
    expect((await uploadSignature(fixture.context, { trace: approved.trace, rrn: '999999999999', image })).responseCode).toBe('25');
    expect(await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_signatures').selectAll().execute()).toEqual([]);
  });

  it('answers garbage with 30: an oversize claim, a bad checksum, a wrong feature code, a non-PNG image', async () => {
    const receipt = await sale();
    const rrn = receipt.rrn ?? '';
    const batch = fixture.state().batchNumber;
    const good = signatureParts(squiggleSignature('g'), batch, rrn);
    const send = (parts: typeof good) => uploadSignatureParts(fixture.context, { trace: receipt.trace, rrn, parts, imageBytes: 0 });
    const first = good[0];
    if (first === undefined) throw new Error('no part');

    const oversize = { ...first, totalBytes: 70_000, partCount: Math.ceil(70_000 / SIGNATURE_PART_BYTES_MAX), data: Buffer.alloc(SIGNATURE_PART_BYTES_MAX) };
    expect((await send([oversize])).responseCode).toBe('30');
    expect((await send(good.map((part) => ({ ...part, sha256: Buffer.alloc(32, 7) })))).responseCode).toBe('30');
    expect((await send(good.map((part) => ({ ...part, featureCode: '0000000000000000' })))).responseCode).toBe('30');
    const notPng = Buffer.from('GIF89a not a signature at all');
    expect((await send(signatureParts(notPng, batch, rrn))).responseCode).toBe('30');
    expect(await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_signatures').selectAll().execute()).toEqual([]);
    expect((await send(good)).responseCode).toBe('00');
  });

  it('a wrong MAK gets A0 and stores nothing', async () => {
    const receipt = await sale();
    fixture.edit((state) => {
      if (state.workingKeys === undefined) throw new Error('not signed in');
      return { ...state, workingKeys: { ...state.workingKeys, mak: '0123456789ABCDEF' } };
    });
    const result = await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image: squiggleSignature('m') });
    expect(result).toMatchObject({ responseCode: 'A0', stored: false });
    expect(await fixture.host.store.db<ESignatureTables>().selectFrom('esignature_signatures').selectAll().execute()).toEqual([]);
  });

  it('a stored signature altered in the database is ESIG_ERR_TAMPERED on read; no row holds the full PAN', async () => {
    const receipt = await sale();
    await uploadSignature(fixture.context, { trace: receipt.trace, rrn: receipt.rrn ?? '', image: squiggleSignature('t') });
    const db = fixture.host.store.db<ESignatureTables>();
    const row = await db.selectFrom('esignature_signatures').selectAll().executeTakeFirstOrThrow();
    const pan = testCard('approve-chip-pin').pan;
    for (const value of Object.values(row)) {
      const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
      expect(text).not.toContain(pan);
    }
    expect((await signatures().find(key(receipt.trace)))?.image.length).toBeGreaterThan(0);
    const compressed = Buffer.from(row.compressed);
    const middle = compressed.length >> 1;
    compressed[middle] = (compressed[middle] as number) ^ 0x01;
    await db.updateTable('esignature_signatures').set({ compressed }).execute();
    await expectBastionRejection(signatures().find(key(receipt.trace)), 'ESIG_ERR_TAMPERED');
    // A checksum replaced along with nothing else is caught too.
    await db.updateTable('esignature_signatures').set({ compressed: Buffer.from(row.compressed), sha256: Buffer.alloc(32, 1) }).execute();
    await expectBastionRejection(signatures().find(key(receipt.trace)), 'ESIG_ERR_TAMPERED');
  });
});
