import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { EpochCache } from '../../lib/cache/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { unionPayDecodeAid, unionPayEncodeAid, unionPayEncodeCapk, type UnionPayAid, type UnionPayCapk } from '../../lib/tlv/index.js';
import { announcedWrite, type Store } from '../../ports/store.js';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import type { AuditLog } from '../audit/index.js';
import { keyName, type EmvParameterSet } from './parameter-file.js';
import type { EmvParamsTables } from './tables.js';

/** Field 62 of a query reply is at most this many bytes unless configured (LiaoYang_POS keeps 512). */
export const PARAM_PAGE_BYTES_MAX_DEFAULT = 512;

export interface EmvParamVersions {
  /** Rises by one on every import that changes something; 0 before the first. */
  readonly version: bigint;
  /** The version at which the CAPK table last changed. */
  readonly capkVersion: bigint;
  /** The version at which the AID table last changed. */
  readonly aidVersion: bigint;
}

export interface EmvParamImportResult extends EmvParamVersions {
  readonly changed: boolean;
  readonly capksAdded: readonly string[];
  readonly capksRemoved: readonly string[];
  readonly capksChanged: readonly string[];
  readonly aidsAdded: readonly string[];
  readonly aidsRemoved: readonly string[];
  readonly aidsChanged: readonly string[];
}

/** What a terminal still has to download: CAPKs first, then AIDs (the order terminals run them). */
export type EmvParamDownloadNeeded = 'capks' | 'aids' | undefined;

export interface EmvParamServiceOptions {
  readonly clock: () => bigint;
  /** For `config.change` rows on import; the CLI passes it. */
  readonly audit?: AuditLog;
  /** The largest field 62 of a query reply, 2 to 999 (tests make it small to exercise paging). */
  readonly pageBytesMax?: number;
}

/** The set's versions and the terminal's, in one statement: asked after every reply the host sends. */
const downloadVersions = new PreparedQuery((db: Kysely<EmvParamsTables>, arg: ArgumentOf<{ terminalId: string }>) =>
  db
    .selectFrom('emv_params_state as state')
    .leftJoin('emv_params_terminals as terminal', (join) => join.on('terminal.terminal_id', '=', arg('terminalId')))
    .select(['state.version', 'state.capk_version', 'state.aid_version', 'terminal.capk_version as terminal_capk_version', 'terminal.aid_version as terminal_aid_version'])
    .where('state.id', '=', 1),
);

type DownloadVersions = NonNullable<Awaited<ReturnType<typeof downloadVersions.first>>>;

/** Terminals whose download versions are kept in memory per process. */
export const EMV_VERSIONS_CACHED_MAX = 10_000;

/**
 * The EMV parameter set the host downloads to terminals (CAPKs and AID parameters), its version,
 * and per terminal the version of its last complete download. Imports replace the whole set in
 * one transaction: a file that fails any check changes nothing.
 */
export class EmvParamService {
  readonly pageBytesMax: number;
  /** `downloadVersions` rows by terminal id (see `downloadNeeded`). */
  private readonly versionsCache = new EpochCache<string, DownloadVersions>(EMV_VERSIONS_CACHED_MAX);

  constructor(
    private readonly store: Store,
    private readonly options: EmvParamServiceOptions,
  ) {
    const pageBytesMax = options.pageBytesMax ?? PARAM_PAGE_BYTES_MAX_DEFAULT;
    if (!Number.isInteger(pageBytesMax) || pageBytesMax < 2 || pageBytesMax > 999) {
      throw new BastionError('PARAMS_ERR_ARGUMENT', 'pageBytesMax must be an integer from 2 to 999', { argument: 'pageBytesMax' });
    }
    this.pageBytesMax = pageBytesMax;
  }

  private db(): Kysely<EmvParamsTables> {
    return this.store.db<EmvParamsTables>();
  }

  /** Replaces the set with `set` (already parsed and checked). The version rises only if something changed. */
  async import(set: EmvParameterSet, actor = 'system', source = 'cli'): Promise<EmvParamImportResult> {
    const capkRows = set.capks.map((capk) => ({ name: keyName(capk), capk, bytes: unionPayEncodeCapk(capk) }));
    const aidRows = set.aids.map((aid) => ({ name: aid.aid.toString('hex').toUpperCase(), aid, bytes: unionPayEncodeAid(aid) }));
    const capkDigest = digest(capkRows);
    const aidDigest = digest(aidRows);
    return announcedWrite(this.store.changes, this.db(), () => this.db().transaction().execute(async (trx) => {
      const state = await readState(trx, this.store.dialect === 'postgres');
      const previousCapks = new Map((await trx.selectFrom('emv_params_capks').selectAll().execute()).map((row) => {
        const capk = capkOf(row);
        return [keyName(capk), unionPayEncodeCapk(capk).toString('hex')] as const;
      }));
      const previousAids = new Map((await trx.selectFrom('emv_params_aids').selectAll().execute()).map((row) => [row.aid, Buffer.from(row.record).toString('hex')] as const));
      const capkDiff = difference(previousCapks, capkRows);
      const aidDiff = difference(previousAids, aidRows);
      const capksChanged = state.capk_digest !== capkDigest;
      const aidsChanged = state.aid_digest !== aidDigest;
      const base = { capksAdded: capkDiff.added, capksRemoved: capkDiff.removed, capksChanged: capkDiff.changed, aidsAdded: aidDiff.added, aidsRemoved: aidDiff.removed, aidsChanged: aidDiff.changed };
      if (!capksChanged && !aidsChanged) {
        return { changed: false, version: state.version, capkVersion: state.capk_version, aidVersion: state.aid_version, ...base };
      }
      const version = state.version + 1n;
      const capkVersion = capksChanged ? version : state.capk_version;
      const aidVersion = aidsChanged ? version : state.aid_version;
      if (capksChanged) {
        await trx.deleteFrom('emv_params_capks').execute();
        for (const { capk } of capkRows) {
          await trx.insertInto('emv_params_capks').values({
            rid: capk.rid.toString('hex').toUpperCase(),
            key_index: BigInt(capk.index),
            expiry_date: capk.expiryDate,
            hash_algorithm: BigInt(capk.hashAlgorithm),
            public_key_algorithm: BigInt(capk.publicKeyAlgorithm),
            modulus: capk.modulus,
            exponent: capk.exponent,
            checksum: capk.checksum ?? Buffer.alloc(0),
          }).execute();
        }
      }
      if (aidsChanged) {
        await trx.deleteFrom('emv_params_aids').execute();
        for (const { name, bytes } of aidRows) await trx.insertInto('emv_params_aids').values({ aid: name, record: bytes }).execute();
      }
      await trx
        .updateTable('emv_params_state')
        .set({ version, capk_version: capkVersion, aid_version: aidVersion, capk_digest: capkDigest, aid_digest: aidDigest, updated_at_ms: this.options.clock() })
        .where('id', '=', 1)
        .execute();
      const result = { changed: true, version, capkVersion, aidVersion, ...base };
      await this.options.audit?.appendWithin(trx, {
        actor,
        action: 'config.change',
        target: 'emv-parameters',
        source,
        outcome: 'success',
        details: {
          version: version.toString(),
          capks: String(capkRows.length),
          aids: String(aidRows.length),
          capksAdded: capkDiff.added.join(' '),
          capksRemoved: capkDiff.removed.join(' '),
          capksChanged: capkDiff.changed.join(' '),
          aidsAdded: aidDiff.added.join(' '),
          aidsRemoved: aidDiff.removed.join(' '),
          aidsChanged: aidDiff.changed.join(' '),
        },
      });
      return result;
    }));
  }

  async versions(): Promise<EmvParamVersions> {
    const state = await readState(this.db(), false);
    return { version: state.version, capkVersion: state.capk_version, aidVersion: state.aid_version };
  }

  /** Every CAPK, by RID then index. */
  async capks(): Promise<UnionPayCapk[]> {
    const rows = await this.db().selectFrom('emv_params_capks').selectAll().orderBy('rid').orderBy('key_index').execute();
    return rows.map(capkOf);
  }

  async capk(rid: Uint8Array, index: number): Promise<UnionPayCapk | undefined> {
    const row = await this.db().selectFrom('emv_params_capks').selectAll().where('rid', '=', Buffer.from(rid).toString('hex').toUpperCase()).where('key_index', '=', BigInt(index)).executeTakeFirst();
    return row === undefined ? undefined : capkOf(row);
  }

  /** Every AID's parameters, by AID. */
  async aids(): Promise<UnionPayAid[]> {
    const rows = await this.db().selectFrom('emv_params_aids').selectAll().orderBy('aid').execute();
    return rows.map((row) => unionPayDecodeAid(row.record));
  }

  async aid(aid: Uint8Array): Promise<UnionPayAid | undefined> {
    const row = await this.db().selectFrom('emv_params_aids').selectAll().where('aid', '=', Buffer.from(aid).toString('hex').toUpperCase()).executeTakeFirst();
    return row === undefined ? undefined : unionPayDecodeAid(row.record);
  }

  /** What `terminalId` must still download for the current set, or undefined when it is up to date. */
  async downloadNeeded(terminalId: string): Promise<EmvParamDownloadNeeded> {
    // Asked after every reply the host sends, so the set's versions and the terminal's come in
    // one statement, kept in memory while the store's change epoch stands (as terminals are).
    const row = await this.versionsCache.readThrough(
      terminalId,
      () => this.store.changes.epoch(),
      () => downloadVersions.first(this.db(), { terminalId }),
    );
    if (row === undefined) throw stateRowMissing();
    if (row.version === 0n) return undefined;
    if ((row.terminal_capk_version ?? 0n) < row.capk_version) return 'capks';
    if ((row.terminal_aid_version ?? 0n) < row.aid_version) return 'aids';
    return undefined;
  }

  /**
   * A terminal's end message (371 or 381): it now holds the current CAPKs (or AIDs). Returns the
   * version recorded.
   */
  async recordDownloadComplete(terminalId: string, part: 'capks' | 'aids'): Promise<bigint> {
    return announcedWrite(this.store.changes, this.db(), () => this.db().transaction().execute(async (trx) => {
      const state = await readState(trx, this.store.dialect === 'postgres');
      const version = part === 'capks' ? state.capk_version : state.aid_version;
      const existing = await trx.selectFrom('emv_params_terminals').selectAll().where('terminal_id', '=', terminalId).executeTakeFirst();
      const atMs = this.options.clock();
      if (existing === undefined) {
        await trx.insertInto('emv_params_terminals').values({ terminal_id: terminalId, capk_version: part === 'capks' ? version : 0n, aid_version: part === 'aids' ? version : 0n, updated_at_ms: atMs }).execute();
      } else {
        await trx.updateTable('emv_params_terminals').set(part === 'capks' ? { capk_version: version, updated_at_ms: atMs } : { aid_version: version, updated_at_ms: atMs }).where('terminal_id', '=', terminalId).execute();
      }
      return version;
    }));
  }
}

function stateRowMissing(): BastionError {
  return new BastionError('PARAMS_ERR_CORRUPT', 'the EMV parameter state row is missing', {});
}

async function readState(db: Kysely<EmvParamsTables> | Transaction<EmvParamsTables>, lock: boolean) {
  const query = db.selectFrom('emv_params_state').selectAll().where('id', '=', 1);
  const state = await (lock ? query.forUpdate() : query).executeTakeFirst();
  if (state === undefined) throw stateRowMissing();
  return state;
}

function capkOf(row: EmvParamsTables['emv_params_capks']): UnionPayCapk {
  return {
    rid: Buffer.from(row.rid, 'hex'),
    index: Number(row.key_index),
    expiryDate: row.expiry_date,
    hashAlgorithm: Number(row.hash_algorithm),
    publicKeyAlgorithm: Number(row.public_key_algorithm),
    modulus: Buffer.from(row.modulus),
    exponent: Buffer.from(row.exponent),
    checksum: Buffer.from(row.checksum),
  };
}

function digest(rows: readonly { readonly name: string; readonly bytes: Buffer }[]): string {
  const hash = createHash('sha256');
  for (const row of [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) hash.update(`${row.name}:${row.bytes.toString('hex')};`);
  return hash.digest('hex');
}

function difference(previous: ReadonlyMap<string, string>, next: readonly { readonly name: string; readonly bytes: Buffer }[]): { added: string[]; removed: string[]; changed: string[] } {
  const names = new Set(next.map((row) => row.name));
  return {
    added: next.filter((row) => !previous.has(row.name)).map((row) => row.name),
    removed: [...previous.keys()].filter((name) => !names.has(name)).sort(),
    changed: next.filter((row) => previous.has(row.name) && previous.get(row.name) !== row.bytes.toString('hex')).map((row) => row.name),
  };
}
