import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decryptEcb, encryptCbc, encryptEcb } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { BastionError } from '../../errors/index.js';
import {
  deriveTdesDukptInitialKey,
  deriveTdesDukptKeys,
  deriveTdesDukptTransactionKey,
  TdesDukptHost,
  tdesDukptVariantKey,
  type TdesDukptVariant,
} from './tdes-dukpt.js';
import { countOneBits } from './ksn.js';
import { expectCryptoError } from '../test-helpers.js';
import type { ErrorCode } from '../../errors/index.js';

// ANSI X9.24-1-2009 Annex A.4 test data (as transcribed in openemv/dukpt test/dukpt_tdes_test.c).
const bdkHex = '0123456789ABCDEFFEDCBA9876543210';
const initialKsnHex = 'FFFF9876543210E00000';
const ipekHex = '6AC292FAA1315B4D858AB3A3D7D5933A';
const bdk = fromHex(bdkHex);
const ipek = fromHex(ipekHex);
// PIN 1234, PAN 4012345678909: the ISO 9564 format 0 clear PIN block of Annex A.
const clearPinBlock = fromHex('041274EDCBA9876F');
// The transaction data the Annex MACs and encrypts: "4012345678909D987".
const transactionData = Buffer.from('4012345678909D987', 'ascii');

interface AnnexRow {
  readonly ksn: string;
  readonly transactionKey: string;
  readonly pinBlock: string;
  readonly macRequest: string;
  readonly macResponse: string;
  readonly encryptedRequest: string;
}

function rows(
  ksns: readonly string[],
  keys: readonly string[],
  pins: readonly string[],
  macReq: readonly string[],
  macRes: readonly string[],
  enc: readonly string[],
): AnnexRow[] {
  return ksns.map((ksn, i) => ({
    ksn,
    transactionKey: keys[i] as string,
    pinBlock: pins[i] as string,
    macRequest: macReq[i] as string,
    macResponse: macRes[i] as string,
    encryptedRequest: enc[i] as string,
  }));
}

// X9.24-1-2009 A.4.2: the first 21 transactions (counters 1 to 0x15).
const initialSequence = rows(
  Array.from({ length: 21 }, (_, i) => `FFFF9876543210E000${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`),
  [
    '042666B49184CFA368DE9628D0397BC9', 'C46551CEF9FD24B0AA9AD834130D3BC7', '0DF3D9422ACA56E547676D07AD6BADFA',
    '279C0F6AEED0BE652B2C733E1383AE91', '5F8DC6D2C845C125508DDC048093B83F', '5E415CB0BAF9F03CD0C14B63FB62FF43',
    '0C8F780B7C8B49D0AE84A9EB2A6CE660', '27F66D5244FF62E1AA6F6120EDEB4280', '27E31064FDC565698900E2057F658E7E',
    '6CF2500A22507C7CC776CEADC1E33014', '3E8260BA04B2D620C01482B3819A18B7', 'B716E1E11CF53D80726CAEE75C3A624F',
    'E072EDF95340535FB6C581C58FBF2533', 'A80046087F5B8F245AAD95E18429084F', '93DD5B956C4878472E453AAEFD32A5AA',
    '59598DCBD9BD94C094165CE453585F57', '2B5F01F4F0CC05EA639D523231BF1BA2', '9CF640F279C2AEE615F725EEEAC2CBAF',
    'C3DF489FDF1153B4F03DE97C27DC4C2F', '658488507721B3F14737FA93F923CBD2', 'E161D1956A61F6D2F37AFD7F9CC3699A',
  ],
  [
    '1B9C1845EB993A7A', '10A01C8D02C69107', '18DC07B94797B466', '0BC79509D5645DF7', '5BC0AF22AD87B327', 'A16DF70AE36158D8',
    '27711C16CB257F8E', '50E55547A5027551', '536CF7F678ACFC8D', 'EDABBA23221833FE', '2328981C57B4BDBA', '038D03CC926CF286',
    '6C8AA97088B62C68', 'F17C9E1D72CD4950', 'B170F6E7F7F2F64A', 'D5D9638559EF53D6', 'D544F8CDD292C863', '7A21BD10F36DC41D',
    '78649BD17D0DFA60', '7E7E16EA0C31AD56', '72105C22EBC791E6',
  ],
  [
    '9CCC7817', 'F608A9BC', '20B59A4F', 'C7BFA6CC', '0202B963', 'CF6C72E6', 'B11EB0D9', '3679055B', '26AA23DC', '1632621C', '76D95CB4',
    'BAD9D84D', 'AAAFB598', '4EC79532', '82500D05', 'D39D3A59', 'F094AF93', 'A819AF04', '79285A17', 'E2B2637F', 'B2033EBD',
  ],
  [
    '20364223', 'D1FCA6BE', 'BAD4CC9C', '1EB08AEE', '5CBE3E81', 'C60D38E8', '053EFD39', '7FACA91D', '37F17B8F', 'CE038CC9', '27C9FA5E',
    '6D2ECC6A', '7E40B492', '55233989', 'AFE23CBA', '9E933C88', '631E7B39', 'E93F5E27', 'FCE7A5A5', 'A10E94AA', 'BDA3AEE1',
  ],
  [
    'FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F', 'A2B4E70F846E63D68775B7215EB4563DFD3037244C61CC13',
    'BD751E65F10E75B6C1D5B1D283496A36C2DE21D993C387A7', '1118F50947441BBDA3C8C70220021A12EC31CC473F7215F4',
    '9FD7BD1EC28845ACA93367A9DA9317BD555C6B33AE22D365', 'DC526613AD9095C1CEC60C41B7686ED606AC1AA2F4F54912',
    '24700BD6F17751531F2A16CE2AF7731101E6F87839C67244', '5F6584DEAFC51B48A239B51C2DACA97176C01D9CA8EDC33C',
    '7CB9080923ED4D7D8D1B8A2849331684CC910522023BE537', 'C221F5A8CA5DA909BE04938E0FB8DFCFB30ED0D62B590663',
    '98A271C13E4AEE80C6343867F2F0F6C55E8B7E5645866A0B', '273CBE2F275B1C29D53F3C01A24DEC73F92C3BE219FFCB91',
    '7290CB9D6F6E35A9B8A34C590A93696F8FE0137A8558884C', '48207931E5F6E5E3E02E7E1D7BED4E3232FCA67E66A31F61',
    '166246602B1255114A4012513B0DD4A9E19E82C945860C55', '53EDA44BDBCA037B2D3FEAEBAF73499336767BD1D0D09679',
    '086F3F46238B99AFB35DA42029675EE1FAB1C606307B35FB', '270439430E60BFC600FE3DC7E7AD8C72D22D5284EC676EF2',
    '2FEAE132FA0E46B4ABF55A87477AFA907E598868BCC236DA', 'A16A61328E36A21858B5FBFBE7BAF7985F5C54F5B8C12298',
    '42A9342FD5C1ACD20E137950A7368D2BBE884275B7906918',
  ],
);

// X9.24-1-2009 A.4.3: the rollover sequence, counters with many one-bits (0FF801 has ten).
const rolloverSequence = rows(
  [
    'FFFF9876543210EFF800', 'FFFF9876543210EFF801', 'FFFF9876543210EFF802', 'FFFF9876543210EFF804', 'FFFF9876543210EFF808',
    'FFFF9876543210EFF810', 'FFFF9876543210EFF820', 'FFFF9876543210EFF840', 'FFFF9876543210EFF880', 'FFFF9876543210EFF900',
    'FFFF9876543210EFFA00', 'FFFF9876543210EFFC00', 'FFFF9876543210F00000',
  ],
  [
    'F9CDFEBF4F5B1D9EB3EC12454527E176', '5BEE92627E97825C911BF619DF72CA3B', '64CA2F8AB93F61B01620B00BF77C7301',
    '35A168695B3BA83307E871C42021DD37', '12C380FCB72ED3C26FC6079AF63F4787', 'D8007C833A1E3C49C6889B97A68C54FF',
    'A9C9FF9B735FDD49591F296B0BF0FD70', '0E3E221062CB5E03A384602783A004FA', 'CA8225C587124DFBB87F279C0BE29727',
    '906AAC1751D4971A144D52C76C6E1F97', '2B9E2CE7C2750337E10B54D2989EA6AF', 'F9430DF975082491C77BE4EF4FDB91EE',
    'AA4D58DB653EC74A48C75F2F047DD2B5',
  ],
  [
    '33365F5CC6F23C35', '3A86BF003F835C9D', '3DB977D05C36DF3F', 'BA83243305712099', 'B0DA04AC90A36D85', '2CF02BD9C309EEDA',
    '9D1E2F77AEEE81C6', '40870B0F8BA2011C', '22E340D6ABB40981', '1A4C10AFBA03A430', '849763B43E5F9CFF', 'DEFC6F09F8927B71',
    '73EC88AD0AC5830E',
  ],
  ['23E3CB62', '97623632', '72608521', 'D86687B7', '5E00713D', '1BCCF968', '2F6D2191', '4DA4CBAC', '95C43BC2', 'D6BEAA71', '93930C9F', '2917C6EF', '7DFA9315'],
  ['5776C376', '69D1EF47', 'BF7036B7', '645A0A18', 'E8D8026A', '9623FF45', 'FF864D19', '3CE7AD50', '73D03F0B', '5D461B71', '531DA5F9', 'AA8D2DA6', '1444BEC3'],
  [
    '5FF8C648565975E746C0CB7B1157DCB6EC3C5F25E82F8A62', '55374FDBB3B2B4ED0751243FC0C54DB1F3F3CF76F0C0B3C4',
    '74A1250E3234DEDEB422FA7F862C484BBA6924DF9BC32CE5', '159E9FA8E979A9C76C118C7BE9E5D436AC0B22CD098BAE1F',
    'F87F61877DFF1CD39A635BEA4D15F81D30793B9157805BE4', '4DEA2DDA8D079F8040CAD885C29A4037E9490480256D074D',
    'CE625FFBBB339C8305FA86CBFD192F4292B29962649947DD', '29DDF3F2C3B9BE76A8338E2B22BA668B68B46AAE9C714607',
    '9E9AA50594849DEB63BC3EF3BE63C5637F03D03B0DCFA973', 'C653AFCD3245ADB3B113FFC48B46BD0B6C5B3B5FB10044EE',
    '50EB117D8CB2BE5ADBBE98B6570C557C13622688A61D559D', 'A2C773BC45B277E3F100C37E30A6A6FB1865134815B05EBC',
    '1E830E7F53FC171E35380145320233EF9C6F3B08CED984AB',
  ],
);

const annexRows = [...initialSequence, ...rolloverSequence];

/** Zero-padded to whole 8-byte blocks, as the Annex pads the transaction data. */
function zeroPadded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
}

/** ANSI X9.19 / ISO 9797-1 algorithm 3 (retail MAC), built from the block primitives: 4 bytes. */
function retailMac(key: Buffer, data: Buffer): string {
  const chained = encryptCbc('des', key.subarray(0, 8), zeroPadded(data)).subarray(-8);
  const mac = encryptEcb('des', key.subarray(0, 8), decryptEcb('des', key.subarray(8, 16), chained));
  return toHex(mac.subarray(0, 4));
}

/** The shared error check, with this file's BDKs as the secrets that must never appear. */
function expectBastionError(action: () => unknown, code: ErrorCode, argument: string, secrets: readonly string[] = [bdkHex]): BastionError {
  return expectCryptoError(action, code, argument, secrets.map((secret) => fromHex(secret)));
}

describe('TDES DUKPT initial key (X9.24-1-2009 A.4)', () => {
  it('derives the Annex IPEK from the BDK and the initial KSN', () => {
    expect(toHex(deriveTdesDukptInitialKey(bdk, fromHex(initialKsnHex)))).toBe(ipekHex);
  });

  it('ignores the counter bits: any KSN of the device gives the same IPEK', () => {
    expect(toHex(deriveTdesDukptInitialKey(bdk, fromHex('FFFF9876543210E00001')))).toBe(ipekHex);
    expect(toHex(deriveTdesDukptInitialKey(bdk, fromHex('FFFF9876543210FFFFFF')))).toBe(ipekHex);
    expect(toHex(new TdesDukptHost(bdk).deriveInitialKey(fromHex('FFFF9876543210EFF801')))).toBe(ipekHex);
  });

  it('gives another IPEK for another serial number', () => {
    // The serial number bit just above the counter (KSN byte 8, bit 0x20) belongs to the device.
    expect(toHex(deriveTdesDukptInitialKey(bdk, fromHex('FFFF9876543210C00000')))).not.toBe(ipekHex);
  });
});

describe('TDES DUKPT transaction keys (X9.24-1-2009 A.4.2, A.4.3)', () => {
  it.each(annexRows)('$ksn from the IPEK', (row) => {
    expect(toHex(deriveTdesDukptTransactionKey(ipek, fromHex(row.ksn)))).toBe(row.transactionKey);
  });

  it('matches every Annex transaction key from one host walking the KSNs in order', () => {
    const host = new TdesDukptHost(bdk);
    for (const row of annexRows) expect(toHex(host.deriveTransactionKey(fromHex(row.ksn)))).toBe(row.transactionKey);
  });

  it('matches every Annex transaction key in reverse order too (walk cache reuse and reset)', () => {
    const host = new TdesDukptHost(bdk);
    for (const row of [...annexRows].reverse()) expect(toHex(host.deriveTransactionKey(fromHex(row.ksn)))).toBe(row.transactionKey);
  });

  it('accepts a counter with the ten one-bits the standard allows', () => {
    const ksn = fromHex('FFFF9876543210EFF801');
    expect(countOneBits(0x0ff801)).toBe(10);
    expect(toHex(new TdesDukptHost(bdk).deriveTransactionKey(ksn))).toBe('5BEE92627E97825C911BF619DF72CA3B');
  });
});

describe('TDES DUKPT working keys', () => {
  it.each(annexRows)('$ksn: the PIN key encrypts the Annex PIN block', (row) => {
    const pinKey = new TdesDukptHost(bdk).derivePinKey(fromHex(row.ksn));
    expect(toHex(encryptEcb('tdes', pinKey, clearPinBlock))).toBe(row.pinBlock);
  });

  it.each(annexRows)('$ksn: the MAC request and response keys give the Annex X9.19 MACs', (row) => {
    const host = new TdesDukptHost(bdk);
    expect(retailMac(host.deriveMacRequestKey(fromHex(row.ksn)), transactionData)).toBe(row.macRequest);
    expect(retailMac(host.deriveMacResponseKey(fromHex(row.ksn)), transactionData)).toBe(row.macResponse);
  });

  it.each(annexRows)('$ksn: the data request key (after the one-way step) gives the Annex encrypted request', (row) => {
    const dataKey = new TdesDukptHost(bdk).deriveDataRequestKey(fromHex(row.ksn));
    expect(toHex(encryptCbc('tdes', dataKey, zeroPadded(transactionData)))).toBe(row.encryptedRequest);
  });

  it('applies the Table A-1 variant bytes to the first Annex transaction key', () => {
    // Transaction key 042666B49184CFA3 68DE9628D0397BC9 XOR each variant constant, worked by hand.
    const transactionKey = fromHex('042666B49184CFA368DE9628D0397BC9');
    expect(toHex(tdesDukptVariantKey(transactionKey, 'pin'))).toBe('042666B49184CF5C68DE9628D0397B36');
    expect(toHex(tdesDukptVariantKey(transactionKey, 'macRequest'))).toBe('042666B4918430A368DE9628D03984C9');
    expect(toHex(tdesDukptVariantKey(transactionKey, 'macResponse'))).toBe('042666B46E84CFA368DE96282F397BC9');
  });

  it('data keys are the variant key encrypted under itself (A.4.1 figure A-2)', () => {
    const transactionKey = fromHex('042666B49184CFA368DE9628D0397BC9');
    const requestVariant = fromHex('042666B4917BCFA368DE9628D0C67BC9'); // ⊕ 0000000000FF0000 twice
    const responseVariant = fromHex('0426664B9184CFA368DE96D7D0397BC9'); // ⊕ 000000FF00000000 twice
    expect(toHex(tdesDukptVariantKey(transactionKey, 'dataRequest'))).toBe(toHex(encryptEcb('tdes', requestVariant, requestVariant)));
    expect(toHex(tdesDukptVariantKey(transactionKey, 'dataResponse'))).toBe(toHex(encryptEcb('tdes', responseVariant, responseVariant)));
    // The Annex has no response-data vector; this pins the value for counter 1 against regressions.
    expect(toHex(tdesDukptVariantKey(transactionKey, 'dataResponse'))).toBe('AD7BFC8B06AD3A08A560B4105CF8D9E5');
  });

  it('deriveKeys returns every key of the first Annex transaction', () => {
    const keys = deriveTdesDukptKeys(bdk, fromHex('FFFF9876543210E00001'));
    expect(Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, toHex(key)]))).toEqual({
      initialKey: ipekHex,
      transactionKey: '042666B49184CFA368DE9628D0397BC9',
      pinKey: '042666B49184CF5C68DE9628D0397B36',
      macRequestKey: '042666B4918430A368DE9628D03984C9',
      macResponseKey: '042666B46E84CFA368DE96282F397BC9',
      dataRequestKey: '448D3F076D8304036A55A3D7E0055A78',
      dataResponseKey: 'AD7BFC8B06AD3A08A560B4105CF8D9E5',
    });
  });

  it('deriveWorkingKey agrees with the named methods', () => {
    const host = new TdesDukptHost(bdk);
    const ksn = fromHex('FFFF9876543210EFF808');
    const keys = host.deriveKeys(ksn);
    const byVariant: Record<TdesDukptVariant, Buffer> = {
      pin: keys.pinKey,
      macRequest: keys.macRequestKey,
      macResponse: keys.macResponseKey,
      dataRequest: keys.dataRequestKey,
      dataResponse: keys.dataResponseKey,
    };
    for (const [variant, key] of Object.entries(byVariant)) expect(toHex(host.deriveWorkingKey(ksn, variant as TdesDukptVariant))).toBe(toHex(key));
    expect(toHex(host.deriveDataResponseKey(ksn))).toBe(toHex(keys.dataResponseKey));
  });
});

describe('TDES DUKPT host behaviour', () => {
  /** A valid KSN: random serial number, counter with 1 to 10 one-bits. */
  const validKsn = fc
    .tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 0x1fffff }))
    .filter(([, counter]) => countOneBits(counter) <= 10)
    .map(([serial, counter]) => {
      const ksn = Buffer.alloc(10);
      ksn.set(serial);
      ksn[7] = ((serial[7] as number) & 0xe0) | (counter >>> 16);
      ksn[8] = (counter >>> 8) & 0xff;
      ksn[9] = counter & 0xff;
      return ksn;
    });

  it('a host reusing its caches agrees with one-off derivation for any sequence of KSNs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(validKsn, { minLength: 1, maxLength: 8 }), (key, ksns) => {
        const host = new TdesDukptHost(key);
        for (const ksn of ksns) {
          const expected = deriveTdesDukptTransactionKey(deriveTdesDukptInitialKey(key, ksn), ksn);
          expect(toHex(host.deriveTransactionKey(ksn))).toBe(toHex(expected));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a host walking consecutive counters of one device agrees with one-off derivation', () => {
    fc.assert(
      fc.property(validKsn, fc.integer({ min: 1, max: 12 }), (start, count) => {
        const host = new TdesDukptHost(bdk);
        const ksn = Buffer.from(start);
        for (let i = 0; i < count; i++) {
          const counter = (((ksn[7] as number) & 0x1f) << 16) | ((ksn[8] as number) << 8) | (ksn[9] as number);
          const next = (counter + 1) & 0x1fffff;
          if (next === 0 || countOneBits(next) > 10) break;
          ksn[7] = ((ksn[7] as number) & 0xe0) | (next >>> 16);
          ksn[8] = (next >>> 8) & 0xff;
          ksn[9] = next & 0xff;
          expect(toHex(host.derivePinKey(ksn))).toBe(toHex(tdesDukptVariantKey(deriveTdesDukptTransactionKey(deriveTdesDukptInitialKey(bdk, ksn), ksn), 'pin')));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('hands out copies: changing a returned key changes nothing later', () => {
    const host = new TdesDukptHost(bdk);
    const ksn = fromHex('FFFF9876543210E00003');
    host.deriveTransactionKey(ksn).fill(0);
    host.deriveInitialKey(ksn).fill(0);
    host.deriveKeys(ksn).transactionKey.fill(0);
    expect(toHex(host.deriveTransactionKey(ksn))).toBe('0DF3D9422ACA56E547676D07AD6BADFA');
    expect(toHex(host.deriveInitialKey(ksn))).toBe(ipekHex);
  });

  it('does not keep a reference to the caller\'s BDK', () => {
    const callerBdk = Buffer.from(bdk);
    const host = new TdesDukptHost(callerBdk);
    callerBdk.fill(0);
    expect(toHex(host.deriveTransactionKey(fromHex('FFFF9876543210E00001')))).toBe('042666B49184CFA368DE9628D0397BC9');
  });
});

describe('TDES DUKPT input errors', () => {
  it('refuses a BDK that is not 16 bytes', () => {
    expectBastionError(() => new TdesDukptHost(fromHex('0123456789ABCDEF')), 'CRYPTO_ERR_KEY_LENGTH', 'bdk');
    expectBastionError(() => deriveTdesDukptInitialKey(fromHex(`${bdkHex}0123456789ABCDEF`), fromHex(initialKsnHex)), 'CRYPTO_ERR_KEY_LENGTH', 'bdk');
  });

  it('refuses an IPEK or transaction key that is not 16 bytes', () => {
    expectBastionError(() => deriveTdesDukptTransactionKey(ipek.subarray(0, 8), fromHex('FFFF9876543210E00001')), 'CRYPTO_ERR_KEY_LENGTH', 'initialKey', [
      ipekHex.slice(0, 16),
    ]);
    expectBastionError(() => tdesDukptVariantKey(Buffer.alloc(24), 'pin'), 'CRYPTO_ERR_KEY_LENGTH', 'transactionKey');
  });

  it('refuses a KSN that is not 10 bytes', () => {
    const host = new TdesDukptHost(bdk);
    expectBastionError(() => host.derivePinKey(fromHex('FFFF9876543210E001')), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => host.derivePinKey(fromHex('FFFF9876543210E0000001')), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => host.deriveInitialKey(Buffer.alloc(0)), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => deriveTdesDukptInitialKey(bdk, fromHex('123456789012345600000001')), 'CRYPTO_ERR_KSN', 'ksn');
  });

  it('refuses counter zero', () => {
    expectBastionError(() => new TdesDukptHost(bdk).deriveTransactionKey(fromHex(initialKsnHex)), 'CRYPTO_ERR_KSN_COUNTER', 'ksn');
    expectBastionError(() => deriveTdesDukptTransactionKey(ipek, fromHex('FFFF9876543210E00000')), 'CRYPTO_ERR_KSN_COUNTER', 'ksn', [ipekHex]);
    // A serial number with every bit set still has counter zero.
    expectBastionError(() => deriveTdesDukptTransactionKey(ipek, fromHex('FFFFFFFFFFFFFFE00000')), 'CRYPTO_ERR_KSN_COUNTER', 'ksn', [ipekHex]);
  });

  it('refuses a counter with more than ten one-bits', () => {
    const host = new TdesDukptHost(bdk);
    // 0FF803 and 0007FF have eleven one-bits; 1FFFFF has all 21.
    for (const ksn of ['FFFF9876543210EFF803', 'FFFF9876543210E007FF', 'FFFF9876543210FFFFFF']) {
      expectBastionError(() => host.derivePinKey(fromHex(ksn)), 'CRYPTO_ERR_KSN_COUNTER', 'ksn');
    }
    expect(() => host.derivePinKey(fromHex('FFFF9876543210E003FF'))).not.toThrow(); // ten one-bits
  });

  it('refuses an unknown variant name from untyped callers', () => {
    expectBastionError(
      () => new TdesDukptHost(bdk).deriveWorkingKey(fromHex('FFFF9876543210E00001'), 'kek' as TdesDukptVariant),
      'CRYPTO_ERR_ARGUMENT',
      'variant',
    );
  });
});
