import type { AuditRow, AuditVerifyReport } from '../../../domain/audit/index.js';

/**
 * Text for people. Stored values are printed as stored — but a tampered row could hold terminal
 * control sequences, so control characters are shown as `?` rather than sent to the terminal.
 */
export function formatVerifyReport(report: AuditVerifyReport): string {
  const head = report.head === undefined ? 'head row missing' : `head ${report.head.seq}:${report.head.hash.toString('hex')}`;
  if (report.intact) return `audit log intact: ${report.rowsChecked} ${plural(report.rowsChecked, 'row')}, ${head}\n`;
  const lines = [`audit log TAMPERED: ${report.problemCount} ${plural(report.problemCount, 'problem')} in ${report.rowsChecked} ${plural(report.rowsChecked, 'row')}, ${head}`];
  for (const problem of report.problems) lines.push(`seq ${problem.seq}: ${problem.kind}: ${problem.detail}`);
  const unlisted = report.problemCount - BigInt(report.problems.length);
  if (unlisted > 0n) lines.push(`… and ${unlisted} more`);
  return `${lines.join('\n')}\n`;
}

export function formatAuditRow(row: AuditRow): string {
  const fields = [
    String(row.seq),
    isoTime(row.atMs),
    row.outcome,
    row.action,
    `actor=${row.actor}`,
    ...(row.target === '' ? [] : [`target=${row.target}`]),
    `source=${row.source}`,
    row.details,
  ];
  return `${printable(fields.join(' '))}\n`;
}

// The range a JavaScript Date can hold; a tampered at_ms may lie outside it.
const dateRangeMs = 8_640_000_000_000_000n;

function isoTime(atMs: bigint): string {
  return atMs >= -dateRangeMs && atMs <= dateRangeMs ? new Date(Number(atMs)).toISOString() : `${atMs}ms`;
}

function printable(text: string): string {
  return Array.from(text, (character) => (isControl(character.codePointAt(0) ?? 0) ? '?' : character)).join('');
}

/** C0 and C1 controls, DEL, line separators and the bidirectional overrides that reorder text. */
function isControl(codePoint: number): boolean {
  return codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f) || codePoint === 0x2028 || codePoint === 0x2029 || (codePoint >= 0x202a && codePoint <= 0x202e) || (codePoint >= 0x2066 && codePoint <= 0x2069);
}

function plural(count: bigint, noun: string): string {
  return count === 1n ? noun : `${noun}s`;
}
