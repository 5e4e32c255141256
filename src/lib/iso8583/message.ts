import { BastionError } from '../errors/index.js';
import type { FieldNumber, FieldValue, MessageSpec } from './spec.js';

/**
 * One ISO 8583 message of a given spec: an MTI and field values by number. `get` and `set` are
 * typed from the spec: bytes for binary fields, sub-field objects for composites, strings
 * otherwise. Values are checked when the message is packed, where the whole context is known.
 */
export class IsoMessage<S extends MessageSpec = MessageSpec> {
  readonly spec: S;
  mti: string;
  /** Indexed by field number; undefined where absent. */
  private readonly values: unknown[] = [];

  constructor(spec: S, mti: string, fields: { readonly [N in FieldNumber<S>]?: FieldValue<S['fields'][N]> } = {}) {
    this.spec = spec;
    this.mti = mti;
    for (const [number, value] of Object.entries(fields)) if (value !== undefined) this.set(Number(number), value as never);
  }

  get<N extends FieldNumber<S>>(field: N): FieldValue<S['fields'][N]> | undefined {
    return this.values[field] as FieldValue<S['fields'][N]> | undefined;
  }

  /** Like `get`, but a missing field is an error naming it. */
  require<N extends FieldNumber<S>>(field: N): FieldValue<S['fields'][N]> {
    const value = this.values[field];
    if (value === undefined) throw new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} is required but absent`, { field: String(field) });
    return value as FieldValue<S['fields'][N]>;
  }

  set<N extends FieldNumber<S>>(field: N, value: FieldValue<S['fields'][N]>): this {
    if (!Object.hasOwn(this.spec.fields, field)) {
      throw new BastionError('ISO_ERR_FIELD_UNKNOWN', `field ${field} is not defined in spec ${this.spec.name}`, { field: String(field) });
    }
    this.values[field] = value;
    return this;
  }

  has(field: number): boolean {
    return this.values[field] !== undefined;
  }

  delete(field: number): this {
    this.values[field] = undefined;
    return this;
  }

  /** Present field numbers in ascending order. */
  fieldNumbers(): number[] {
    const numbers: number[] = [];
    for (let field = 2; field < this.values.length; field++) if (this.values[field] !== undefined) numbers.push(field);
    return numbers;
  }

  /** Internal fast path for the codec: the raw value slot. */
  valueAt(field: number): unknown {
    return this.values[field];
  }

  /** Internal fast path for the codec: sets a slot the codec has already validated. */
  setUnchecked(field: number, value: unknown): void {
    this.values[field] = value;
  }

  /** A new message with the same spec, MTI and field values (values are shared, not deep-copied). */
  clone(): IsoMessage<S> {
    const copy = new IsoMessage(this.spec, this.mti);
    for (const field of this.fieldNumbers()) copy.setUnchecked(field, this.values[field]);
    return copy;
  }
}
