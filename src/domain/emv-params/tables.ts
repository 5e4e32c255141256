/** The EMV parameter module's tables (migrations.ts). */
export interface EmvParamsCapksTable {
  rid: string;
  key_index: bigint;
  expiry_date: string;
  hash_algorithm: bigint;
  public_key_algorithm: bigint;
  modulus: Buffer;
  exponent: Buffer;
  checksum: Buffer;
}

export interface EmvParamsAidsTable {
  aid: string;
  record: Buffer;
}

export interface EmvParamsStateTable {
  id: number;
  version: bigint;
  capk_version: bigint;
  aid_version: bigint;
  capk_digest: string;
  aid_digest: string;
  updated_at_ms: bigint;
}

export interface EmvParamsTerminalsTable {
  terminal_id: string;
  capk_version: bigint;
  aid_version: bigint;
  updated_at_ms: bigint;
}

export interface EmvParamsTables {
  emv_params_capks: EmvParamsCapksTable;
  emv_params_aids: EmvParamsAidsTable;
  emv_params_state: EmvParamsStateTable;
  emv_params_terminals: EmvParamsTerminalsTable;
}
