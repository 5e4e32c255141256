import { BastionError } from '../../errors/index.js';
import type { PrefixEncoding } from '../spec.js';
import { requireBytes, type ReadCursor } from './cursor.js';

/** A length prefix: how many bytes it takes, and how to read and write the count in it. */
export interface PrefixCodec {
  readonly bytes: number;
  /** The largest count this prefix can carry. */
  readonly countMax: number;
  write(count: number, target: Uint8Array, at: number): void;
  read(cursor: ReadCursor, field: string): number;
}

function invalidPrefix(field: string, offset: number, what: string): BastionError {
  return new BastionError('ISO_ERR_LENGTH', `field ${field} has an invalid length prefix at offset ${offset}: ${what}`, { field, offset });
}

export function prefixCodec(kind: 'LL' | 'LLL', encoding: PrefixEncoding): PrefixCodec {
  const digits = kind === 'LL' ? 2 : 3;
  switch (encoding) {
    case 'bcd': {
      const bytes = kind === 'LL' ? 1 : 2;
      return {
        bytes,
        countMax: kind === 'LL' ? 99 : 999,
        write(count, target, at) {
          if (bytes === 1) target[at] = ((count / 10) << 4) | count % 10;
          else {
            target[at] = Math.floor(count / 100);
            const rest = count % 100;
            target[at + 1] = (Math.floor(rest / 10) << 4) | rest % 10;
          }
        },
        read(cursor, field) {
          requireBytes(cursor, bytes, field);
          const at = cursor.offset;
          let count = 0;
          for (let i = 0; i < bytes; i++) {
            const byte = cursor.bytes[at + i] as number;
            const high = byte >> 4;
            const low = byte & 0x0f;
            // LLL in two bytes has four nibbles: the first must be 0 for the count to be canonical.
            if (high > 9 || low > 9 || (bytes === 2 && i === 0 && high !== 0)) throw invalidPrefix(field, at, 'not BCD digits');
            count = count * 100 + high * 10 + low;
          }
          cursor.offset = at + bytes;
          return count;
        },
      };
    }
    case 'ascii':
    case 'ebcdic': {
      const zero = encoding === 'ascii' ? 0x30 : 0xf0;
      return {
        bytes: digits,
        countMax: kind === 'LL' ? 99 : 999,
        write(count, target, at) {
          let rest = count;
          for (let i = digits - 1; i >= 0; i--) {
            target[at + i] = zero + (rest % 10);
            rest = Math.floor(rest / 10);
          }
        },
        read(cursor, field) {
          requireBytes(cursor, digits, field);
          const at = cursor.offset;
          let count = 0;
          for (let i = 0; i < digits; i++) {
            const digit = (cursor.bytes[at + i] as number) - zero;
            if (digit < 0 || digit > 9) throw invalidPrefix(field, at, 'not digits');
            count = count * 10 + digit;
          }
          cursor.offset = at + digits;
          return count;
        },
      };
    }
    case 'binary': {
      const bytes = kind === 'LL' ? 1 : 2;
      return {
        bytes,
        countMax: kind === 'LL' ? 0xff : 0xffff,
        write(count, target, at) {
          if (bytes === 1) target[at] = count;
          else {
            target[at] = count >> 8;
            target[at + 1] = count & 0xff;
          }
        },
        read(cursor, field) {
          requireBytes(cursor, bytes, field);
          const at = cursor.offset;
          const count = bytes === 1 ? (cursor.bytes[at] as number) : ((cursor.bytes[at] as number) << 8) | (cursor.bytes[at + 1] as number);
          cursor.offset = at + bytes;
          return count;
        },
      };
    }
  }
}
