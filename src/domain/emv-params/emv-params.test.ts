import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeModules } from '../../adapters/store/modules.js';
import { databases } from '../../adapters/store/test-databases.js';
import { expectBastionError, expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { unionPayEncodeAid } from '../../lib/tlv/index.js';
import { announcedWrite, type Store } from '../../ports/store.js';
import { AuditLog, readAuditTail } from '../audit/index.js';
import { testChainKey } from '../audit/test-audit.js';
import { EmvParamService, keyName, parseEmvParameterFile } from './index.js';
import { shippedParameters, type ParameterFileJson } from './test-params.js';

const text = (file: ParameterFileJson): string => JSON.stringify(file);

describe('the shipped parameter file (params/emv-test-parameters.json)', () => {
  it('parses, and every CAPK checksum is SHA-1 of RID, index, modulus and exponent (EMV Book 2 11.2.2)', () => {
    const file = shippedParameters();
    const set = parseEmvParameterFile(text(file));
    expect(set.capks.map(keyName)).toEqual(expect.arrayContaining(['A000000003/92', 'A000000003/94', 'A000000003/95', 'A000000004/EF', 'A000000004/F1', 'A000000004/F3', 'A000000333/02', 'A000000333/03', 'A000000333/04']));
    for (const entry of file.capks) {
      // Recomputed here independently of the parser, from the file's hex.
      const input = Buffer.from(`${String(entry['rid'])}${String(entry['index'])}${String(entry['modulus'])}${String(entry['exponent'])}`, 'hex');
      expect(createHash('sha1').update(input).digest('hex').toUpperCase(), `${String(entry['rid'])}/${String(entry['index'])}`).toBe(entry['checksum']);
      expect(typeof entry['source']).toBe('string');
    }
    expect(set.aids.map((aid) => aid.aid.toString('hex').toUpperCase())).toEqual(
      expect.arrayContaining(['A000000333010101', 'A000000333010102', 'A000000333010103', 'A0000000031010', 'A0000000032010', 'A0000000041010', 'A0000000043060', 'A00000002501', 'A0000000651010', 'A0000001523010']),
    );
  });
});

describe('parameter file errors name the JSON path', () => {
  const cases: [string, (file: ParameterFileJson) => void, string][] = [
    ['wrong format', (file) => { file.format = 'other/1'; }, '$.format'],
    ['capks not an array', (file) => { (file as unknown as Record<string, unknown>)['capks'] = {}; }, '$.capks'],
    ['a modulus with a non-hex digit', (file) => { (file.capks[2] as Record<string, unknown>)['modulus'] = 'XY'; }, '$.capks[2].modulus'],
    ['a 4-byte RID', (file) => { (file.capks[0] as Record<string, unknown>)['rid'] = 'A0000000'; }, '$.capks[0].rid'],
    ['an expiry that is no date', (file) => { (file.capks[1] as Record<string, unknown>)['expiryDate'] = '20301331'; }, '$.capks[1].expiryDate'],
    ['a key listed twice', (file) => { file.capks.push({ ...file.capks[0] }); }, `$.capks[9]`],
    ['an amount as a number', (file) => { (file.aids[3] as Record<string, unknown>)['floorLimitMinor'] = 0; }, '$.aids[3].floorLimitMinor'],
    ['a TAC of 4 bytes', (file) => { (file.aids[0] as Record<string, unknown>)['tacDenial'] = '00100000'; }, '$.aids[0].tacDenial'],
    ['a percentage of 100', (file) => { (file.aids[0] as Record<string, unknown>)['randomTargetPercent'] = 100; }, '$.aids[0].randomTargetPercent'],
    ['an AID listed twice', (file) => { file.aids.push({ aid: file.aids[0]?.['aid'] }); }, '$.aids[10].aid'],
  ];
  it.each(cases)('%s → PARAMS_ERR_FILE at its path', (_name, edit, path) => {
    const file = shippedParameters();
    edit(file);
    expectBastionError(() => parseEmvParameterFile(text(file)), 'PARAMS_ERR_FILE', { path });
  });

  it('text that is not JSON → PARAMS_ERR_FILE at $', () => {
    expectBastionError(() => parseEmvParameterFile('{"format":'), 'PARAMS_ERR_FILE', { path: '$' });
  });

  it('a flipped modulus bit → PARAMS_ERR_CHECKSUM naming the key, without the modulus', () => {
    const file = shippedParameters();
    const entry = file.capks.find((capk) => capk['rid'] === 'A000000004' && capk['index'] === 'F1') as Record<string, string>;
    const modulus = Buffer.from(entry['modulus'] ?? '', 'hex');
    modulus[10] = (modulus[10] as number) ^ 0x01;
    entry['modulus'] = modulus.toString('hex').toUpperCase();
    const error = expectBastionError(() => parseEmvParameterFile(text(file)), 'PARAMS_ERR_CHECKSUM', { rid: 'A000000004', index: 'F1' }, [modulus]);
    expect(error.message).toContain('A000000004/F1');
  });

  it('property: any AID entry the parser accepts encodes to a TLV record, and a random edit of a hex field is accepted or refused with a path', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom('aid', 'appVersion', 'tacDefault', 'defaultDdol'), fc.string({ maxLength: 40 }), (position, field, value) => {
        const file = shippedParameters();
        (file.aids[position] as Record<string, unknown>)[field] = value;
        try {
          const set = parseEmvParameterFile(text(file));
          for (const aid of set.aids) expect(unionPayEncodeAid(aid).length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toMatchObject({ code: 'PARAMS_ERR_FILE', details: { path: `$.aids[${position}].${field}` } });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe.each(databases)('EMV parameter import on $name', (database) => {
  let store: Store;
  let service: EmvParamService;
  let audit: AuditLog;
  let now = 1_700_000_000_000n;

  beforeEach(async () => {
    store = await database.open(storeModules);
    audit = new AuditLog({ store, clock: () => now, chainKey: testChainKey });
    service = new EmvParamService(store, { clock: () => now, audit });
  });
  afterEach(async () => {
    await store.close();
  });

  it('refuses a page size out of range (PARAMS_ERR_ARGUMENT), and a store whose state row is gone (PARAMS_ERR_CORRUPT)', async () => {
    for (const pageBytesMax of [1, 1000, 2.5]) {
      expectBastionError(() => new EmvParamService(store, { clock: () => now, audit, pageBytesMax }), 'PARAMS_ERR_ARGUMENT');
    }
    await service.import(parseEmvParameterFile(text(shippedParameters())), 'operator-1');
    expect(await service.downloadNeeded('10000001')).toBe('capks');
    // A write behind the service's back, announced as every writer to a watched table must.
    const raw = store.db<{ emv_params_state: { id: number } }>();
    await announcedWrite(store.changes, raw, () => raw.deleteFrom('emv_params_state').execute());
    await expectBastionRejection(service.downloadNeeded('10000001'), 'PARAMS_ERR_CORRUPT');
    await expectBastionRejection(service.versions(), 'PARAMS_ERR_CORRUPT');
  });

  it('imports the shipped file as version 1, lists it back, and writes a config.change audit row', async () => {
    expect(await service.versions()).toEqual({ version: 0n, capkVersion: 0n, aidVersion: 0n });
    const result = await service.import(parseEmvParameterFile(text(shippedParameters())), 'operator-1');
    expect(result).toMatchObject({ changed: true, version: 1n, capkVersion: 1n, aidVersion: 1n, capksRemoved: [], aidsRemoved: [] });
    expect(result.capksAdded).toHaveLength(9);
    const capks = await service.capks();
    expect(capks.map(keyName)).toEqual([...capks.map(keyName)].sort());
    expect(capks).toHaveLength(9);
    expect(capks.find((capk) => keyName(capk) === 'A000000003/92')?.modulus).toHaveLength(176);
    expect(await service.aids()).toHaveLength(10);
    const rows = await readAuditTail(store, 100);
    expect(rows.map((row) => [row.action, row.actor, row.target])).toEqual([['config.change', 'operator-1', 'emv-parameters']]);
  });

  it('a re-import of the same file keeps the version; a changed AID raises it and only the AID version', async () => {
    const file = shippedParameters();
    await service.import(parseEmvParameterFile(text(file)));
    const again = await service.import(parseEmvParameterFile(text(file)));
    expect(again).toMatchObject({ changed: false, version: 1n, capksAdded: [], capksChanged: [], aidsChanged: [] });
    (file.aids[0] as Record<string, unknown>)['floorLimitMinor'] = '500';
    now += 1000n;
    const changed = await service.import(parseEmvParameterFile(text(file)));
    expect(changed).toMatchObject({ changed: true, version: 2n, capkVersion: 1n, aidVersion: 2n, aidsChanged: ['A000000333010101'] });
    expect((await service.aid(Buffer.from('A000000333010101', 'hex')))?.floorLimitMinor).toBe(500n);
    file.capks.pop();
    const removed = await service.import(parseEmvParameterFile(text(file)));
    expect(removed).toMatchObject({ version: 3n, capkVersion: 3n, aidVersion: 2n });
    expect(removed.capksRemoved).toHaveLength(1);
    expect(await service.capks()).toHaveLength(8);
  });

  it('a bad checksum changes nothing: the earlier set and version stay', async () => {
    await service.import(parseEmvParameterFile(text(shippedParameters())));
    const file = shippedParameters();
    file.capks.splice(0, 3);
    (file.capks[0] as Record<string, unknown>)['checksum'] = '00'.repeat(20);
    await expectBastionRejection(Promise.resolve().then(async () => service.import(parseEmvParameterFile(text(file)))), 'PARAMS_ERR_CHECKSUM');
    expect(await service.versions()).toEqual({ version: 1n, capkVersion: 1n, aidVersion: 1n });
    expect(await service.capks()).toHaveLength(9);
  });

  it('a failure inside the import transaction rolls every row back', async () => {
    await service.import(parseEmvParameterFile(text(shippedParameters())));
    const set = parseEmvParameterFile(text(shippedParameters()));
    // A second key with a rid/index that collides in storage but not in the file's check: the
    // primary key refuses it half-way, after the delete and some inserts.
    const first = set.capks[0];
    if (first === undefined) throw new Error('no key');
    const broken = { capks: [...set.capks.slice(1), first, first], aids: set.aids.slice(1) };
    await expect(service.import(broken)).rejects.toThrow();
    expect(await service.versions()).toEqual({ version: 1n, capkVersion: 1n, aidVersion: 1n });
    expect(await service.capks()).toHaveLength(9);
    expect(await service.aids()).toHaveLength(10);
    expect(await readAuditTail(store, 100)).toHaveLength(1);
  });

  it('tracks per terminal what it still has to download', async () => {
    expect(await service.downloadNeeded('10000001')).toBeUndefined();
    await service.import(parseEmvParameterFile(text(shippedParameters())));
    expect(await service.downloadNeeded('10000001')).toBe('capks');
    expect(await service.recordDownloadComplete('10000001', 'capks')).toBe(1n);
    expect(await service.downloadNeeded('10000001')).toBe('aids');
    await service.recordDownloadComplete('10000001', 'aids');
    expect(await service.downloadNeeded('10000001')).toBeUndefined();
    expect(await service.downloadNeeded('10000002')).toBe('capks');
    const file = shippedParameters();
    (file.aids[1] as Record<string, unknown>)['onlinePinSupported'] = false;
    await service.import(parseEmvParameterFile(text(file)));
    expect(await service.downloadNeeded('10000001')).toBe('aids');
  });
});
