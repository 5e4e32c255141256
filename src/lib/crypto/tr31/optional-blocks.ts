import { BastionError } from '../../errors/index.js';

/**
 * Optional header blocks (ASC X9 TR-31-2018; ANSI X9.143-2021 6.2, table 1): a 2-character ID, a
 * length in hexadecimal that counts the whole block (ID and length included), then printable
 * ASCII data. A length of "00" announces the extended form: two hex digits giving the size of
 * the length, then the length itself in hex. The padding block "PB", always last, brings the
 * header to a multiple of the cipher block size.
 *
 * The size of the extended length is read two ways in the field. psec counts it in bytes
 * ("KS0002010A...": 2 bytes, 4 hex digits); the worked examples of ANSI X9.143-2021 (8.5, 8.6),
 * as openemv/tr31 reproduces them, count hex characters ("CT00040500..."). Bastion writes the
 * byte form and reads both: bytes first, and characters only when the whole header does not
 * parse in bytes. The MAC covers the header text either way, so the reading cannot change what
 * is authenticated, only how the optional blocks are reported.
 */
export interface Tr31OptionalBlock {
  readonly id: string;
  readonly data: string;
}

export const tr31PaddingBlockId = 'PB';

/** The fixed part of every header, before the optional blocks. */
export const tr31FixedHeaderLengthChars = 16;

/** How the size of an extended length is counted (see above). */
export type Tr31ExtendedLengthUnit = 'bytes' | 'characters';

const maxOptionalBlocks = 99;
const shortFormMaxLength = 0xff;
const extendedFormMaxLength = 0xffff;
const blockIdPattern = /^[0-9A-Za-z]{2}$/;
const hexPattern = /^[0-9A-Fa-f]+$/;
const printablePattern = /^[\x20-\x7E]*$/;

function blockError(argument: string, message: string, details: Record<string, string | number> = {}): BastionError {
  return new BastionError('CRYPTO_ERR_TR31_OPTIONAL_BLOCK', message, { argument, field: 'optionalBlocks', ...details });
}

function readHex(text: string, offset: number, lengthChars: number): number | undefined {
  const digits = text.slice(offset, offset + lengthChars);
  return digits.length === lengthChars && hexPattern.test(digits) ? Number.parseInt(digits, 16) : undefined;
}

/**
 * Reads `count` optional blocks from `text` starting at `offset` (16 in a key block).
 * Returns the blocks and the offset just after the last one.
 */
export function parseTr31OptionalBlocks(
  text: string,
  offset: number,
  count: number,
  argument: string,
  extendedLengthUnit: Tr31ExtendedLengthUnit = 'bytes',
): { readonly blocks: Tr31OptionalBlock[]; readonly endOffset: number } {
  const digitsPerUnit = extendedLengthUnit === 'bytes' ? 2 : 1;
  const blocks: Tr31OptionalBlock[] = [];
  let position = offset;
  for (let index = 0; index < count; index++) {
    const number = index + 1;
    const id = text.slice(position, position + 2);
    if (!blockIdPattern.test(id)) {
      throw blockError(argument, `optional block ${number} of ${count} has no valid 2-character alphanumeric ID`, { block: number, offset: position });
    }
    const where = { block: number, id, offset: position };
    let prefixChars = 4;
    let lengthChars = readHex(text, position + 2, 2);
    if (lengthChars === undefined) throw blockError(argument, `optional block ${id}: the length must be 2 hexadecimal digits`, where);
    if (lengthChars === 0) {
      // Extended form: "00", then the byte count of the length, then the length.
      const lengthOfLength = readHex(text, position + 4, 2);
      if (lengthOfLength === undefined || lengthOfLength === 0) {
        throw blockError(argument, `optional block ${id}: an extended length needs a non-zero length-of-length in 2 hexadecimal digits`, where);
      }
      const extendedDigits = lengthOfLength * digitsPerUnit;
      const extended = readHex(text, position + 6, extendedDigits);
      if (extended === undefined) {
        throw blockError(argument, `optional block ${id}: the extended length must be ${extendedDigits} hexadecimal digits`, where);
      }
      prefixChars = 6 + extendedDigits;
      lengthChars = extended;
    }
    if (lengthChars < prefixChars) {
      throw blockError(argument, `optional block ${id}: its length ${lengthChars} does not cover its own ID and length (${prefixChars} characters)`, where);
    }
    if (position + lengthChars > text.length) {
      throw blockError(argument, `optional block ${id}: it is ${lengthChars} characters long but only ${text.length - position} remain`, where);
    }
    const data = text.slice(position + prefixChars, position + lengthChars);
    if (!printablePattern.test(data)) throw blockError(argument, `optional block ${id}: data must be printable ASCII`, where);
    if (id === tr31PaddingBlockId && number !== count) throw blockError(argument, 'the padding block PB must be the last optional block', where);
    blocks.push({ id, data });
    position += lengthChars;
  }
  return { blocks, endOffset: position };
}

function hexDigits(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}

/** One block in its shortest form: the short length when it fits, else a 2-byte extended length. */
export function formatTr31OptionalBlock(block: Tr31OptionalBlock, argument = 'header'): string {
  if (!blockIdPattern.test(block.id)) {
    throw blockError(argument, 'an optional block ID must be 2 alphanumeric characters');
  }
  if (!printablePattern.test(block.data)) throw blockError(argument, `optional block ${block.id}: data must be printable ASCII`, { id: block.id });
  const shortLength = 4 + block.data.length;
  if (shortLength <= shortFormMaxLength) return `${block.id}${hexDigits(shortLength, 2)}${block.data}`;
  const extendedLength = 10 + block.data.length;
  if (extendedLength > extendedFormMaxLength) {
    throw blockError(argument, `optional block ${block.id}: ${block.data.length} characters of data is more than a block can carry`, { id: block.id });
  }
  return `${block.id}0002${hexDigits(extendedLength, 4)}${block.data}`;
}

/**
 * Lays out the optional blocks of a header that is being written. A trailing PB supplied by the
 * caller is kept when it already aligns the header; otherwise it is replaced by one of the right
 * size (or dropped when none is needed). The new PB is filled with "0" characters so that
 * results are reproducible; the standard asks only for printable characters.
 */
export function layoutTr31OptionalBlocks(
  blocks: readonly Tr31OptionalBlock[],
  blockSizeBytes: number,
  argument = 'header',
): { readonly text: string; readonly count: number } {
  blocks.forEach((block, index) => {
    if (block.id === tr31PaddingBlockId && index !== blocks.length - 1) {
      throw blockError(argument, 'the padding block PB must be the last optional block', { block: index + 1 });
    }
  });
  const last = blocks.at(-1);
  const suppliedPadding = last?.id === tr31PaddingBlockId ? last : undefined;
  const content = suppliedPadding === undefined ? blocks : blocks.slice(0, -1);
  const body = content.map((block) => formatTr31OptionalBlock(block, argument)).join('');
  let text: string;
  let count = content.length;
  const withSupplied = suppliedPadding === undefined ? undefined : body + formatTr31OptionalBlock(suppliedPadding, argument);
  if (withSupplied !== undefined && withSupplied.length % blockSizeBytes === 0) {
    text = withSupplied;
    count += 1;
  } else if (body.length % blockSizeBytes === 0) {
    text = body;
  } else {
    const fillChars = (blockSizeBytes - ((body.length + 4) % blockSizeBytes)) % blockSizeBytes;
    text = `${body}${tr31PaddingBlockId}${hexDigits(4 + fillChars, 2)}${'0'.repeat(fillChars)}`;
    count += 1;
  }
  if (count > maxOptionalBlocks) {
    throw blockError(argument, `a header can carry at most ${maxOptionalBlocks} optional blocks, this one needs ${count}`, { count });
  }
  return { text, count };
}
