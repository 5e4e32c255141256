/**
 * Message specs are data: an `as const` object per dialect, from which the codec compiles packers
 * and unpackers once and TypeScript infers each field's value type. Adding a dialect is adding
 * such an object — no code.
 *
 * Units: `length` counts what the type counts — digits for `n` and `z` (and `xn`, sign excluded),
 * characters for `an` / `ans`, bytes for `b`. A length prefix counts the same units.
 */
/**
 * `z` is track data: digits, the separator `=` (the nibble D in BCD) and the letters A, B, C, E,
 * F (the other non-digit nibbles, which a track enciphered by the terminal carries); every BCD
 * byte reads as two of these characters and packs back to the same byte.
 */
export type FieldType = 'n' | 'an' | 'ans' | 'b' | 'z' | 'xn';

/**
 * How a field's value is laid out on the wire.
 * - `bcd`: two digits a byte, right-aligned: an odd count gets the pad nibble first.
 * - `bcd-left`: two digits a byte, left-aligned: an odd count gets the pad nibble last.
 * - `ascii` / `ebcdic`: one character a byte.
 * - `binary`: the bytes as they are (type `b`).
 * - `hex`: bytes written as uppercase ASCII hex, two characters a byte (type `b` in text dialects).
 */
export type FieldEncoding = 'bcd' | 'bcd-left' | 'ascii' | 'ebcdic' | 'binary' | 'hex';

/** How a length prefix is written: `LL` is 2 digits, `LLL` 3 (BCD: 1 and 2 bytes; binary: 1 and 2 bytes, big-endian). */
export type PrefixEncoding = 'bcd' | 'ascii' | 'ebcdic' | 'binary';

/** What a field carries that describe() and logs must hide or mask. */
export type Sensitivity = 'pan' | 'track' | 'pin-block' | 'emv' | 'key' | 'mac' | 'card-data';

export interface SubfieldSpec {
  /** The sub-field's key in the value object, e.g. `typeCode` for 60.1. */
  readonly key: string;
  /** The printed path, e.g. `60.1`. */
  readonly path: string;
  readonly description: string;
  /** Characters (digits for numeric parents) this sub-field takes from its parent's value. */
  readonly length: number;
  /** A trailing sub-field that may be absent; every sub-field after an optional one is optional. */
  readonly optional?: boolean;
  /** Only for the last sub-field: `length` is a maximum and it takes whatever characters remain. */
  readonly variable?: boolean;
}

export interface FieldSpec {
  readonly description: string;
  readonly type: FieldType;
  readonly encoding: FieldEncoding;
  /** Exact length for fixed fields; maximum for variable ones. */
  readonly length: number;
  /** Absent for fixed-length fields. */
  readonly prefix?: 'LL' | 'LLL';
  readonly prefixEncoding?: PrefixEncoding;
  /** The BCD pad nibble for odd digit counts (default 0; some terminals pad tracks with F). */
  readonly padNibble?: 0 | 15;
  readonly sensitivity?: Sensitivity;
  /** Positional sub-fields of a composite field (UnionPay 48, 60, 61, 63). */
  readonly subfields?: readonly SubfieldSpec[];
  /** The value is BER-TLV (fields 55, 62): the codec keeps bytes, tlv helpers parse them. */
  readonly tlv?: boolean;
}

export interface MessageSpec {
  readonly name: string;
  readonly description: string;
  readonly mti: { readonly encoding: 'bcd' | 'ascii' | 'ebcdic' };
  readonly bitmap: { readonly encoding: 'binary' | 'hex' | 'ebcdic-hex' };
  /** Field number (2–128) → spec. Field 1 is the secondary bitmap and is implied by fields over 64. */
  readonly fields: { readonly [field: number]: FieldSpec };
}

/** Identity helper: keeps the literal types of a spec so field values can be inferred. */
export function defineSpec<const S extends MessageSpec>(spec: S): S {
  return spec;
}

/** The field numbers a spec defines. */
export type FieldNumber<S extends MessageSpec> = keyof S['fields'] & number;

type SubfieldKeys<F extends FieldSpec> = F extends { readonly subfields: readonly (infer Sub)[] } ? (Sub extends SubfieldSpec ? Sub['key'] : never) : never;

/** The value of a composite field: its sub-fields by key (trailing optional ones may be absent). */
export type CompositeValue<F extends FieldSpec> = { readonly [K in SubfieldKeys<F>]?: string };

/** The value type of a field: bytes for `b`, sub-field objects for composites, strings otherwise. */
export type FieldValue<F extends FieldSpec> = F extends { readonly subfields: readonly SubfieldSpec[] }
  ? CompositeValue<F>
  : F['type'] extends 'b'
    ? Uint8Array
    : string;
