import { deflateSync } from 'node:zlib';
import type { BackOfficeReceipt } from './receipt-data.js';
import { receiptLines } from './receipt-data.js';

/**
 * The receipt as a one-page PDF 1.4, written directly: a page of Helvetica text (one of the 14
 * standard fonts, so nothing is embedded) and the signature as a greyscale image XObject
 * (FlateDecode of its pixels). The whole file is a few objects and a cross-reference table;
 * a library would add far more code than it saves (docs/architecture.md). Text is ASCII only.
 */
const PAGE_WIDTH = 298; // A6 in points
const PAGE_HEIGHT = 420;
const MARGIN = 20;
const FONT_SIZE = 8;
const LEADING = 11;
const SIGNATURE_WIDTH_POINTS = 180;

function pdfText(text: string): string {
  // ASCII only; other characters become '?', and \ ( ) are escaped.
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (match) => `\\${match}`);
}

export function renderReceiptPdf(receipt: BackOfficeReceipt): Buffer {
  const lines = receiptLines(receipt);
  const content: string[] = ['BT', `/F1 ${FONT_SIZE} Tf`, `${LEADING} TL`, `${MARGIN} ${PAGE_HEIGHT - MARGIN - FONT_SIZE} Td`];
  for (const line of lines) content.push(`(${pdfText(line)}) Tj T*`);
  content.push('T*', `(CARDHOLDER SIGNATURE) Tj T*`);
  const signature = receipt.signature;
  const textBottom = PAGE_HEIGHT - MARGIN - FONT_SIZE - LEADING * (lines.length + 2);
  let imageObject: Buffer | undefined;
  if (signature === undefined) {
    content.push('((no electronic signature on file)) Tj', 'ET');
  } else {
    const height = (SIGNATURE_WIDTH_POINTS * signature.height) / signature.width;
    const bottom = textBottom - height - 4;
    content.push('ET', 'q', `${SIGNATURE_WIDTH_POINTS} 0 0 ${height.toFixed(2)} ${MARGIN} ${bottom.toFixed(2)} cm`, '/Sig Do', 'Q');
    content.push('BT', `/F1 ${FONT_SIZE - 2} Tf`, `${MARGIN} ${(bottom - 10).toFixed(2)} Td`, `(${pdfText(`sha256 ${signature.sha256}`)}) Tj`, 'ET');
    const data = deflateSync(signature.pixels);
    imageObject = Buffer.concat([
      Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${signature.width} /Height ${signature.height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);
  }
  const stream = Buffer.from(content.join('\n'), 'latin1');
  const resources = `<< /Font << /F1 4 0 R >>${imageObject === undefined ? '' : ' /XObject << /Sig 6 0 R >>'} >>`;
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>', 'latin1'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', 'latin1'),
    Buffer.from(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources ${resources} /Contents 5 0 R >>`, 'latin1'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>', 'latin1'),
    Buffer.concat([Buffer.from(`<< /Length ${stream.length} >>\nstream\n`, 'latin1'), stream, Buffer.from('\nendstream', 'latin1')]),
    ...(imageObject === undefined ? [] : [imageObject]),
  ];
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    chunks.push(object);
    offset += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`)].join('');
  chunks.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(chunks);
}
