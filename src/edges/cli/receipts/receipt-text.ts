import type { BackOfficeReceipt, ReceiptSignature } from './receipt-data.js';
import { receiptLines } from './receipt-data.js';

/** Columns of the ASCII rendering of a signature: a receipt printer's 40-odd characters. */
const ASCII_COLUMNS = 40;

/** The receipt as text: the slip's lines, then the signature as ASCII art with its checksum. */
export function formatReceiptText(receipt: BackOfficeReceipt): string {
  const lines = receiptLines(receipt);
  lines.push('CARDHOLDER SIGNATURE');
  if (receipt.signature === undefined) lines.push('(no electronic signature on file)');
  else {
    lines.push(...asciiSignature(receipt.signature));
    lines.push(`signature on file, sha256 ${receipt.signature.sha256}`, `feature code ${receipt.signature.featureCode}`);
  }
  lines.push('I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES');
  return `${lines.join('\n')}\n`;
}

/** Each character stands for a cell of pixels: '#' when the cell has ink (a pixel darker than mid-grey). */
export function asciiSignature(signature: ReceiptSignature): string[] {
  const columns = Math.min(ASCII_COLUMNS, signature.width);
  const cellWidth = signature.width / columns;
  // Characters are about twice as tall as wide.
  const rows = Math.max(1, Math.round(signature.height / (cellWidth * 2)));
  const cellHeight = signature.height / rows;
  const out: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    let line = '';
    for (let column = 0; column < columns; column += 1) {
      let ink = false;
      for (let y = Math.floor(row * cellHeight); y < Math.floor((row + 1) * cellHeight) && !ink; y += 1) {
        for (let x = Math.floor(column * cellWidth); x < Math.floor((column + 1) * cellWidth); x += 1) {
          if ((signature.pixels[y * signature.width + x] ?? 255) < 128) {
            ink = true;
            break;
          }
        }
      }
      line += ink ? '#' : ' ';
    }
    out.push(`|${line}|`);
  }
  return out;
}
