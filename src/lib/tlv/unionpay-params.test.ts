import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTlv, parseTlv } from './ber-tlv.js';
import { expectIsoError, hex } from './test-helpers.js';
import { aidTags, unionPayDecodeAid, unionPayEncodeAid, type UnionPayAidInput } from './unionpay-aid.js';
import { capkTags, unionPayCapkChecksum, unionPayDecodeCapk, unionPayEncodeCapk, type UnionPayCapkIdentityInput } from './unionpay-capk.js';
import {
  unionPayAidListPage,
  unionPayCapkListPage,
  unionPayDecodeAidDownloadReply,
  unionPayDecodeAidDownloadRequest,
  unionPayDecodeAidList,
  unionPayDecodeCapkDownloadReply,
  unionPayDecodeCapkDownloadRequest,
  unionPayDecodeCapkList,
  unionPayDecodeParamQuery,
  unionPayEncodeAidDownloadReply,
  unionPayEncodeAidDownloadRequest,
  unionPayEncodeAidList,
  unionPayEncodeCapkDownloadReply,
  unionPayEncodeCapkDownloadRequest,
  unionPayEncodeCapkList,
  unionPayEncodeParamQuery,
} from './unionpay-param-messages.js';

// CAPK and AID records exactly as the terminal-side code of teddy-lee/AIAUnionPay loads them
// (src/com/koolpos/cupinsurance/message/parameter/CapkParamsInfo.java, capk[14], capk[15],
// aParams[0], aParams[6]). The CAPKs are UnionPay's public CA keys A000000333 01 and 04; their
// DF03 check sums verify (see below), which confirms the field meanings.
const cupCapk01 = hex(
  '9F0605A0000003339F220101DF05083230313031323331DF060101DF070101DF028180BBE9066D2517511D239C7BFA77' +
    '884144AE20C7372F515147E8CE6537C54C0A6A4D45F8CA4D290870CDA59F1344EF71D17D3F35D92F3F06778D0D511EC2' +
    'A7DC4FFEADF4FB1253CE37A7B2B5A3741227BEF72524DA7A2B7B1CB426BEE27BC513B0CB11AB99BC1BC61DF5AC6CC4D8' +
    '31D0848788CD74F6D543AD37C5A2B4C5D5A93BDF040103DF0314E881E390675D44C2DD81234DCE29C3F5AB2297A0',
);
const cupCapk04 = hex(
  '9F0605A0000003339F220104DF05083230323131323330DF060101DF070101DF0281F8BC853E6B5365E89E7EE9317C94' +
    'B02D0ABB0DBD91C05A224A2554AA29ED9FCB9D86EB9CCBB322A57811F86188AAC7351C72BD9EF196C5A01ACEF7A4EB0D' +
    '2AD63D9E6AC2E7836547CB1595C68BCBAFD0F6728760F3A7CA7B97301B7E0220184EFC4F653008D93CE098C0D93B4520' +
    '1096D1ADFF4CF1F9FC02AF759DA27CD6DFD6D789B099F16F378B6100334E63F3D35F3251A5EC78693731F5233519CDB3' +
    '80F5AB8C0F02728E91D469ABD0EAE0D93B1CC66CE127B29C7D77441A49D09FCA5D6D9762FC74C31BB506C8BAE3C79AD6' +
    'C2578775B95956B5370D1D0519E37906B384736233251E8F09AD79DFBE2C6ABFADAC8E4D8624318C27DAF1DF040103DF' +
    '0314F527081CF371DD7E1FD4FA414A665036E0F5E6E5',
);
const cupDebitAid = hex(
  '9F0608A000000333010101DF0101019F08020020DF11050010000000DF1205D84004F800DF130500100000009F1B0400' +
    '100000DF150400000000DF160199DF170199DF14039F3704DF1801019F7B06000000080000DF1906000000050000DF20' +
    '06000000100000DF2106000000010000',
);
const visaCreditAid = hex(
  '9F0607A0000000031010DF0101019F080214E9DF1105D84000A800DF1205D84004F800DF130500100000009F1B040000' +
    '0000DF150400000000DF160100DF170100DF14029F37DF1801019F7B06000000080000DF1906000000050000DF200600' +
    '0000100000DF2106000000010000',
);

const cupRid = hex('A000000333');

describe('CAPK records (DF02–DF07, 9F06, 9F22)', () => {
  it('decodes UnionPay CA key 01 and encodes it back byte for byte', () => {
    const capk = unionPayDecodeCapk(cupCapk01);
    expect(capk.rid).toEqual(cupRid);
    expect(capk.index).toBe(1);
    expect(capk.expiryDate).toBe('20101231');
    expect(capk.hashAlgorithm).toBe(1);
    expect(capk.publicKeyAlgorithm).toBe(1);
    expect(capk.modulus).toHaveLength(128);
    expect(capk.modulus.subarray(0, 4)).toEqual(hex('BBE9066D'));
    expect(capk.exponent).toEqual(hex('03'));
    expect(capk.checksum).toEqual(hex('E881E390675D44C2DD81234DCE29C3F5AB2297A0'));
    expect(unionPayEncodeCapk(capk)).toEqual(cupCapk01);
  });

  it('decodes a 248-byte modulus (length 81 F8) and encodes it back', () => {
    const capk = unionPayDecodeCapk(cupCapk04);
    expect(capk.index).toBe(4);
    expect(capk.expiryDate).toBe('20211230');
    expect(capk.modulus).toHaveLength(248);
    expect(unionPayEncodeCapk(capk)).toEqual(cupCapk04);
  });

  it('the DF03 check sum is SHA-1 of RID, index, modulus and exponent (EMV Book 2 11.2.2)', () => {
    for (const record of [cupCapk01, cupCapk04]) {
      const capk = unionPayDecodeCapk(record);
      expect(unionPayCapkChecksum(capk)).toEqual(capk.checksum);
    }
    const altered = unionPayDecodeCapk(cupCapk01);
    expect(unionPayCapkChecksum({ ...altered, index: 2 })).not.toEqual(altered.checksum);
  });

  it('leaves DF03 out when there is no check sum, and reads a record without one', () => {
    const { rid, index, expiryDate, hashAlgorithm, publicKeyAlgorithm, modulus, exponent } = unionPayDecodeCapk(cupCapk01);
    const bytes = unionPayEncodeCapk({ rid, index, expiryDate, hashAlgorithm, publicKeyAlgorithm, modulus, exponent });
    expect(bytes).toEqual(cupCapk01.subarray(0, cupCapk01.length - 23));
    expect(unionPayDecodeCapk(bytes).checksum).toBeUndefined();
  });

  it('reads an expiry date sent as 4 BCD bytes, and ignores tags it does not know', () => {
    const nodes = parseTlv(cupCapk01).map((node) => (node.tag === capkTags.expiryDate ? { tag: node.tag, value: hex('20291231') } : node));
    nodes.push({ tag: 0xdf7f, value: hex('01') });
    expect(unionPayDecodeCapk(buildTlv(nodes)).expiryDate).toBe('20291231');
  });

  it.each([
    ['no DF02 modulus', 0xdf02, 'modulus'],
    ['no 9F22 index', 0x9f22, 'index'],
    ['no DF05 expiry', 0xdf05, 'expiryDate'],
  ])('refuses a record with %s', (_, tag, field) => {
    const bytes = buildTlv(parseTlv(cupCapk01).filter((node) => node.tag !== tag));
    expectIsoError(() => unionPayDecodeCapk(bytes), 'ISO_ERR_TLV', { tag: tag.toString(16).toUpperCase(), field });
  });

  it.each([
    ['a 4-byte RID', 0x9f06, 'A0000003', 'ISO_ERR_LENGTH', 'rid'],
    ['a 2-byte index', 0x9f22, '0101', 'ISO_ERR_LENGTH', 'index'],
    ['a 19-byte check sum', 0xdf03, 'E881E390675D44C2DD81234DCE29C3F5AB2297', 'ISO_ERR_LENGTH', 'checksum'],
    ['a 4-byte exponent', 0xdf04, '00010001', 'ISO_ERR_LENGTH', 'exponent'],
    ['an empty modulus', 0xdf02, '', 'ISO_ERR_LENGTH', 'modulus'],
    ['a 6-byte expiry', 0xdf05, '323031303132', 'ISO_ERR_LENGTH', 'expiryDate'],
    ['month 13', 0xdf05, '3230313031333331', 'ISO_ERR_ENCODING', 'expiryDate'],
    ['a letter in the expiry', 0xdf05, '323031303132334A', 'ISO_ERR_ENCODING', 'expiryDate'],
  ])('refuses %s, naming the field and never the key bytes', (_, tag, value, code, field) => {
    const nodes = parseTlv(cupCapk01).map((node) => (node.tag === tag ? { tag, value: hex(value) } : node));
    const modulus = unionPayDecodeCapk(cupCapk01).modulus;
    expectIsoError(() => unionPayDecodeCapk(buildTlv(nodes)), code as 'ISO_ERR_LENGTH', { field }, [modulus.subarray(0, 8), value.length >= 8 ? value : '']);
  });

  it('refuses a record where a tag appears twice', () => {
    expectIsoError(() => unionPayDecodeCapk(Buffer.concat([cupCapk01, hex('9F22 01 02')])), 'ISO_ERR_TLV', { tag: '9F22' });
  });

  it('refuses to encode bad values, naming the field', () => {
    const capk = unionPayDecodeCapk(cupCapk01);
    expectIsoError(() => unionPayEncodeCapk({ ...capk, index: 256 }), 'ISO_ERR_FIELD_VALUE', { field: 'index' });
    expectIsoError(() => unionPayEncodeCapk({ ...capk, hashAlgorithm: -1 }), 'ISO_ERR_FIELD_VALUE', { field: 'hashAlgorithm' });
    expectIsoError(() => unionPayEncodeCapk({ ...capk, expiryDate: '2021-12-30' }), 'ISO_ERR_FIELD_VALUE', { field: 'expiryDate' });
    expectIsoError(() => unionPayEncodeCapk({ ...capk, expiryDate: '20211200' }), 'ISO_ERR_FIELD_VALUE', { field: 'expiryDate' });
    expectIsoError(() => unionPayEncodeCapk({ ...capk, modulus: Buffer.alloc(249, 1) }), 'ISO_ERR_LENGTH', { field: 'modulus', tag: 'DF02' });
    expectIsoError(() => unionPayEncodeCapk({ ...capk, rid: hex('A0000003330101') }), 'ISO_ERR_LENGTH', { field: 'rid', tag: '9F06' });
  });
});

describe('AID records (9F06, DF01, 9F08, DF11–DF21, 9F1B, 9F7B)', () => {
  it('decodes the UnionPay debit AID parameters and encodes them back byte for byte', () => {
    const params = unionPayDecodeAid(cupDebitAid);
    expect(params).toEqual({
      aid: hex('A000000333010101'),
      partialSelection: true,
      appVersion: hex('0020'),
      tacDefault: hex('0010000000'),
      tacOnline: hex('D84004F800'),
      tacDenial: hex('0010000000'),
      floorLimitMinor: 0x100000n,
      biasedRandomThresholdMinor: 0n,
      biasedRandomMaxPercent: 99,
      randomTargetPercent: 99,
      defaultDdol: hex('9F3704'),
      onlinePinSupported: true,
      ecTerminalLimitMinor: 80_000n,
      contactlessFloorLimitMinor: 50_000n,
      contactlessTransactionLimitMinor: 100_000n,
      contactlessCvmLimitMinor: 10_000n,
    });
    expect(unionPayEncodeAid(params)).toEqual(cupDebitAid);
  });

  it('carries a malformed default DDOL (a bare 9F37) through unchanged', () => {
    const params = unionPayDecodeAid(visaCreditAid);
    expect(params.aid).toEqual(hex('A0000000031010'));
    expect(params.defaultDdol).toEqual(hex('9F37'));
    expect(params.biasedRandomMaxPercent).toBe(0);
    expect(unionPayEncodeAid(params)).toEqual(visaCreditAid);
  });

  it('encodes only the fields given, AID first', () => {
    const params: UnionPayAidInput = { aid: hex('A000000333010102'), onlinePinSupported: false, contactlessCvmLimitMinor: 30_000n };
    const bytes = unionPayEncodeAid(params);
    expect(bytes).toEqual(hex('9F06 08 A000000333010102 DF18 01 00 DF21 06 000000030000'));
    expect(unionPayDecodeAid(bytes)).toEqual(params);
  });

  it('keeps the tag table in step with the record layout', () => {
    expect(aidTags.aid).toBe(0x9f06);
    expect(aidTags.appVersion).toBe(0x9f08);
    expect(aidTags.defaultDdol).toBe(0xdf14);
    expect(aidTags.contactlessCvmLimitMinor).toBe(0xdf21);
    expect(Object.keys(aidTags)).toHaveLength(16);
  });

  it('round trips (property)', () => {
    const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => Buffer.from(b));
    const amount12 = fc.bigInt({ min: 0n, max: 999_999_999_999n });
    const arbitrary = fc.record(
      {
        aid: fc.integer({ min: 5, max: 16 }).chain(bytes),
        partialSelection: fc.boolean(),
        appVersion: bytes(2),
        tacDefault: bytes(5),
        tacOnline: bytes(5),
        tacDenial: bytes(5),
        floorLimitMinor: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
        biasedRandomThresholdMinor: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
        biasedRandomMaxPercent: fc.integer({ min: 0, max: 99 }),
        randomTargetPercent: fc.integer({ min: 0, max: 99 }),
        defaultDdol: fc.integer({ min: 0, max: 20 }).chain(bytes),
        onlinePinSupported: fc.boolean(),
        ecTerminalLimitMinor: amount12,
        contactlessFloorLimitMinor: amount12,
        contactlessTransactionLimitMinor: amount12,
        contactlessCvmLimitMinor: amount12,
      },
      { requiredKeys: ['aid'] },
    );
    fc.assert(
      fc.property(arbitrary, (params) => {
        expect(unionPayDecodeAid(unionPayEncodeAid(params))).toEqual(params);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['DF01 02', 0xdf01, '02', 'ISO_ERR_ENCODING', 'partialSelection'],
    ['DF18 of two bytes', 0xdf18, '0101', 'ISO_ERR_LENGTH', 'onlinePinSupported'],
    ['DF16 not BCD', 0xdf16, 'A0', 'ISO_ERR_ENCODING', undefined],
    ['9F7B not BCD', 0x9f7b, '00000008000F', 'ISO_ERR_ENCODING', undefined],
    ['9F1B of 5 bytes', 0x9f1b, '0000100000', 'ISO_ERR_LENGTH', 'floorLimitMinor'],
    ['DF11 of 4 bytes', 0xdf11, '00100000', 'ISO_ERR_LENGTH', 'tacDefault'],
    ['a 4-byte AID', 0x9f06, 'A0000003', 'ISO_ERR_LENGTH', 'aid'],
  ])('refuses %s', (_, tag, value, code, field) => {
    const nodes = parseTlv(cupDebitAid).map((node) => (node.tag === tag ? { tag, value: hex(value) } : node));
    const details = field === undefined ? { tag: tag.toString(16).toUpperCase() } : { tag: tag.toString(16).toUpperCase(), field };
    expectIsoError(() => unionPayDecodeAid(buildTlv(nodes)), code as 'ISO_ERR_LENGTH', details);
  });

  it('refuses a record without its AID', () => {
    expectIsoError(() => unionPayDecodeAid(hex('DF18 01 01')), 'ISO_ERR_TLV', { tag: '9F06', field: 'aid' });
  });

  it('refuses to encode values of the wrong kind or range, naming the field', () => {
    const aid = hex('A000000333010101');
    expectIsoError(() => unionPayEncodeAid({ aid, randomTargetPercent: 100 }), 'ISO_ERR_FIELD_VALUE', { field: 'randomTargetPercent' });
    expectIsoError(() => unionPayEncodeAid({ aid, ecTerminalLimitMinor: -1n }), 'ISO_ERR_FIELD_VALUE', { argument: 'ecTerminalLimitMinor' });
    expectIsoError(() => unionPayEncodeAid({ aid, ecTerminalLimitMinor: 10n ** 12n }), 'ISO_ERR_FIELD_VALUE', { argument: 'ecTerminalLimitMinor' });
    expectIsoError(() => unionPayEncodeAid({ aid, floorLimitMinor: 1n << 32n }), 'ISO_ERR_FIELD_VALUE', { argument: 'floorLimitMinor' });
    expectIsoError(() => unionPayEncodeAid({ aid, floorLimitMinor: 5 as unknown as bigint }), 'ISO_ERR_FIELD_VALUE', { field: 'floorLimitMinor' });
    expectIsoError(() => unionPayEncodeAid({ aid, partialSelection: 1 as unknown as boolean }), 'ISO_ERR_FIELD_VALUE', { field: 'partialSelection' });
    expectIsoError(() => unionPayEncodeAid({ aid, appVersion: '0020' as unknown as Buffer }), 'ISO_ERR_FIELD_VALUE', { field: 'appVersion' });
    expectIsoError(() => unionPayEncodeAid({ aid: hex('A0000003') }), 'ISO_ERR_LENGTH', { field: 'aid' });
  });
});

describe('query requests ("1" + count)', () => {
  it('encodes the count as LiaoYang_POS does ("1%02d") and reads it back', () => {
    expect(unionPayEncodeParamQuery({ receivedCount: 0 })).toEqual(Buffer.from('100'));
    expect(unionPayEncodeParamQuery({ receivedCount: 22 })).toEqual(Buffer.from('122'));
    expect(unionPayDecodeParamQuery(Buffer.from('100'))).toEqual({ receivedCount: 0 });
    expect(unionPayDecodeParamQuery(Buffer.from('17'))).toEqual({ receivedCount: 7 });
    expect(unionPayDecodeParamQuery(Buffer.from('1123'))).toEqual({ receivedCount: 123 });
  });

  it.each([
    ['', 'ISO_ERR_LENGTH', { field: 'query', length: 0 }],
    ['1', 'ISO_ERR_LENGTH', { field: 'query', length: 1 }],
    ['11234', 'ISO_ERR_LENGTH', { field: 'query', length: 5 }],
    ['200', 'ISO_ERR_ENCODING', { field: 'query', offset: 0 }],
    ['10A', 'ISO_ERR_ENCODING', { field: 'receivedCount', offset: 2 }],
  ] as const)('refuses %j', (text, code, details) => {
    expectIsoError(() => unionPayDecodeParamQuery(Buffer.from(text)), code, details);
  });

  it('refuses a count a two-digit request cannot carry', () => {
    expectIsoError(() => unionPayEncodeParamQuery({ receivedCount: 100 }), 'ISO_ERR_FIELD_VALUE', { field: 'receivedCount' });
    expectIsoError(() => unionPayEncodeParamQuery({ receivedCount: -1 }), 'ISO_ERR_FIELD_VALUE', { field: 'receivedCount' });
  });
});

const identity = (index: number): UnionPayCapkIdentityInput => ({ rid: cupRid, index, expiryDate: '20301231' });

describe('CAPK and AID lists (query replies)', () => {
  it('lays out a CAPK list as status then 9F06, 9F22, DF05 per key (posp_server queryCAPkInfo)', () => {
    const bytes = unionPayEncodeCapkList('complete', [identity(1), identity(2)]);
    expect(bytes).toEqual(
      hex('31' + '9F0605A000000333 9F220101 DF05083230333031323331' + '9F0605A000000333 9F220102 DF05083230333031323331'),
    );
    expect(unionPayDecodeCapkList(bytes)).toEqual({ status: 'complete', entries: [identity(1), identity(2)] });
  });

  it('reads "none" and "more"', () => {
    expect(unionPayEncodeCapkList('none', [])).toEqual(hex('30'));
    expect(unionPayDecodeCapkList(hex('30'))).toEqual({ status: 'none', entries: [] });
    expect(unionPayDecodeCapkList(unionPayEncodeCapkList('more', [identity(9)])).status).toBe('more');
  });

  it('lays out an AID list as status then one 9F06 per AID', () => {
    const aids = [hex('A000000333010101'), hex('A0000000031010')];
    const bytes = unionPayEncodeAidList('more', aids);
    expect(bytes).toEqual(hex('32 9F0608A000000333010101 9F0607A0000000031010'));
    expect(unionPayDecodeAidList(bytes)).toEqual({ status: 'more', aids });
  });

  it.each([
    ['an empty field', '', 'ISO_ERR_LENGTH', { field: 'status' }],
    ['status 3', '33', 'ISO_ERR_ENCODING', { field: 'status', offset: 0 }],
    ['status 0 with entries', '30 9F0605A000000333 9F220101 DF05083230333031323331', 'ISO_ERR_TRAILING_DATA', { field: 'status', count: 1 }],
    ['9F22 before any 9F06', '31 9F220101 9F0605A000000333 DF05083230333031323331', 'ISO_ERR_TLV', { tag: '9F22' }],
    ['9F22 twice for one key', '31 9F0605A000000333 9F220101 9F220102 DF05083230333031323331', 'ISO_ERR_TLV', { tag: '9F22' }],
    ['a key without DF05', '31 9F0605A000000333 9F220101', 'ISO_ERR_TLV', { tag: 'DF05', field: 'expiryDate' }],
    ['a TLV error, at its offset within field 62', '31 9F0609A000000333', 'ISO_ERR_TLV', { tag: '9F06', offset: 3 }],
  ] as const)('refuses a CAPK list with %s', (_, bytes, code, details) => {
    expectIsoError(() => unionPayDecodeCapkList(hex(bytes)), code, details);
  });

  it('refuses an AID list with a 17-byte AID or entries after status 0', () => {
    expectIsoError(() => unionPayDecodeAidList(hex('31 9F0611 A0000003 33 010101010101010101010101')), 'ISO_ERR_LENGTH', { field: 'aid', length: 17 });
    expectIsoError(() => unionPayDecodeAidList(hex('30 9F0607A0000000031010')), 'ISO_ERR_TRAILING_DATA', { field: 'status' });
  });

  it('refuses to encode entries under status none, or an unknown status', () => {
    expectIsoError(() => unionPayEncodeCapkList('none', [identity(1)]), 'ISO_ERR_FIELD_VALUE', { field: 'status' });
    expectIsoError(() => unionPayEncodeAidList('done' as 'none', []), 'ISO_ERR_FIELD_VALUE', { field: 'status' });
  });
});

describe('paging a query reply', () => {
  const keys = Array.from({ length: 30 }, (_, index) => identity(index + 1));

  it('fits 22 CAPK entries of 23 bytes in 512 bytes, then sends the rest as the last page', () => {
    const first = unionPayCapkListPage(keys, 0);
    expect(first.length).toBe(1 + 22 * 23);
    expect(unionPayDecodeCapkList(first)).toEqual({ status: 'more', entries: keys.slice(0, 22) });
    const second = unionPayCapkListPage(keys, 22);
    expect(unionPayDecodeCapkList(second)).toEqual({ status: 'complete', entries: keys.slice(22) });
  });

  it("answers '0' when there are no keys and '1' with nothing when the terminal has them all", () => {
    expect(unionPayCapkListPage([], 0)).toEqual(hex('30'));
    expect(unionPayCapkListPage(keys, 30)).toEqual(hex('31'));
    expect(unionPayCapkListPage(keys, 99)).toEqual(hex('31'));
    expect(unionPayAidListPage([], 0)).toEqual(hex('30'));
  });

  it('refuses a page size too small for one entry, and bad arguments', () => {
    expectIsoError(() => unionPayCapkListPage(keys, 0, 20), 'ISO_ERR_LENGTH', { field: 'bytesMax', index: 0 });
    expectIsoError(() => unionPayCapkListPage(keys, -1), 'ISO_ERR_FIELD_VALUE', { field: 'receivedCount' });
    expectIsoError(() => unionPayCapkListPage(keys, 0, 1000), 'ISO_ERR_FIELD_VALUE', { field: 'bytesMax' });
  });

  // 20 bytes: the status byte and one 16-byte AID (9F06 10 + 16) fit, so every list can be paged.
  it('a terminal querying page after page receives every AID once, in order, each page within the limit (property)', () => {
    const aid = fc.integer({ min: 5, max: 16 }).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => Buffer.from(b)));
    fc.assert(
      fc.property(fc.array(aid, { maxLength: 60 }), fc.integer({ min: 20, max: 999 }), (aids, bytesMax) => {
        const received: Buffer[] = [];
        for (let pages = 0; pages <= aids.length + 1; pages++) {
          const page = unionPayAidListPage(aids, received.length, bytesMax);
          expect(page.length).toBeLessThanOrEqual(bytesMax);
          const reply = unionPayDecodeAidList(page);
          received.push(...reply.aids);
          if (reply.status !== 'more') break;
        }
        expect(received).toEqual(aids);
      }),
      { numRuns: 100 },
    );
  });
});

describe('download requests and replies', () => {
  it('encodes a CAPK download request as LiaoYang_POS builds it (9F06 05 RID 9F22 01 index)', () => {
    const bytes = unionPayEncodeCapkDownloadRequest({ rid: cupRid, index: 4 });
    expect(bytes).toEqual(hex('9F0605A000000333 9F220104'));
    expect(unionPayDecodeCapkDownloadRequest(bytes)).toEqual({ rid: cupRid, index: 4 });
  });

  it('encodes an AID download request as 9F06 alone', () => {
    const aid = hex('A000000333010101');
    expect(unionPayEncodeAidDownloadRequest(aid)).toEqual(hex('9F0608A000000333010101'));
    expect(unionPayDecodeAidDownloadRequest(hex('9F0608A000000333010101'))).toEqual(aid);
  });

  it('refuses download requests without the key or AID', () => {
    expectIsoError(() => unionPayDecodeCapkDownloadRequest(hex('9F0605A000000333')), 'ISO_ERR_TLV', { tag: '9F22', field: 'index' });
    expectIsoError(() => unionPayDecodeAidDownloadRequest(hex('')), 'ISO_ERR_TLV', { tag: '9F06', field: 'aid' });
    expectIsoError(() => unionPayEncodeCapkDownloadRequest({ rid: hex('A0000003'), index: 1 }), 'ISO_ERR_LENGTH', { field: 'rid' });
  });

  it("answers '1' and the record, or '0' alone", () => {
    const capk = unionPayDecodeCapk(cupCapk01);
    const reply = unionPayEncodeCapkDownloadReply(capk);
    expect(reply).toEqual(Buffer.concat([hex('31'), cupCapk01]));
    expect(unionPayDecodeCapkDownloadReply(reply)).toEqual(capk);
    expect(unionPayEncodeCapkDownloadReply(undefined)).toEqual(hex('30'));
    expect(unionPayDecodeCapkDownloadReply(hex('30'))).toBeUndefined();

    const aidReply = unionPayEncodeAidDownloadReply(unionPayDecodeAid(cupDebitAid));
    expect(aidReply).toEqual(Buffer.concat([hex('31'), cupDebitAid]));
    expect(unionPayDecodeAidDownloadReply(aidReply)).toEqual(unionPayDecodeAid(cupDebitAid));
    expect(unionPayEncodeAidDownloadReply(undefined)).toEqual(hex('30'));
    expect(unionPayDecodeAidDownloadReply(hex('30'))).toBeUndefined();
  });

  it("refuses status '2' in a download reply, bytes after '0', and reports offsets within field 62", () => {
    expectIsoError(() => unionPayDecodeCapkDownloadReply(Buffer.concat([hex('32'), cupCapk01])), 'ISO_ERR_ENCODING', { field: 'status', offset: 0 });
    expectIsoError(() => unionPayDecodeAidDownloadReply(hex('30 9F06')), 'ISO_ERR_TRAILING_DATA', { field: 'status', offset: 1 });
    expectIsoError(() => unionPayDecodeCapkDownloadReply(hex('31 9F0605 A000')), 'ISO_ERR_TLV', { tag: '9F06', offset: 3 });
    expectIsoError(() => unionPayDecodeAidDownloadReply(hex('')), 'ISO_ERR_LENGTH', { field: 'status' });
  });
});
