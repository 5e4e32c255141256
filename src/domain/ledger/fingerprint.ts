import { createHash } from 'node:crypto';
import type { PostingInput } from './types.js';

/**
 * The content fingerprint of a journal entry: SHA-256 over a canonical form of everything a
 * caller chose (kind, description, event time, postings). A retry with the same idempotency key
 * is recognised as the same request by comparing fingerprints; anything else is a conflict.
 * Postings are sorted first, so listing the same postings in another order is the same content.
 * The version prefix lets a later canonical form coexist with stored fingerprints.
 */
const FINGERPRINT_VERSION = 'v1';

export interface EntryContent {
  readonly kind: string;
  readonly description: string;
  readonly occurredAtMs: bigint;
  readonly postings: readonly PostingInput[];
}

export function entryFingerprint(content: EntryContent): string {
  const postings = content.postings
    .map((posting) => [posting.accountCode, posting.currency, posting.amountMinor.toString()] as const)
    .sort(comparePostingTuples);
  const canonical = JSON.stringify([FINGERPRINT_VERSION, content.kind, content.description, content.occurredAtMs.toString(), postings]);
  return `${FINGERPRINT_VERSION}:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

function comparePostingTuples(left: readonly [string, string, string], right: readonly [string, string, string]): number {
  for (let index = 0; index < left.length; index++) {
    const a = left[index] as string;
    const b = right[index] as string;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}
