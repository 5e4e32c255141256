import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptPinBlock, encryptPinBlock, fromHex, toHex } from '../../lib/crypto/index.js';
import { expectRejection, loadKey, testHsm } from './test-hsm.js';
import { trackDataMinBytes } from './track-data.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('software HSM: MACs', () => {
  it('UnionPay ECB MAC: the published 0200 and its MAC B3A092AE (q.cnblogs.com/q/128930), single and double MAK', async () => {
    const hsm = testHsm();
    const mab = fromHex(
      '02003020048000C08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435F01123238343431323334353637383930313233345F03063136303033365F04063230303832365C023031',
    );
    const single = await loadKey(hsm, 'MAK', 'des', fromHex('0723C80DB5F4CD3D'));
    const double = await loadKey(hsm, 'MAK', 'tdes-2key', fromHex('0723C80DB5F4CD3D0723C80DB5F4CD3D'));
    const expected = ascii('B3A092AE');
    expect(await hsm.generateMac(single, { algorithm: 'unionpay-ecb' }, mab)).toEqual(expected);
    expect(await hsm.generateMac(double, { algorithm: 'unionpay-ecb', variant: 'tdes' }, mab)).toEqual(expected);
    expect(await hsm.verifyMac(single, { algorithm: 'unionpay-ecb' }, mab, expected)).toBe(true);
    const altered = Buffer.from(mab);
    altered[10] = (altered[10] as number) ^ 1;
    expect(await hsm.verifyMac(single, { algorithm: 'unionpay-ecb' }, altered, expected)).toBe(false);
    expect(await hsm.verifyMac(single, { algorithm: 'unionpay-ecb' }, mab, ascii('B3A092AF'))).toBe(false);
  });

  it('X9.19: ISO 9797-1 Annex B.4 answers, padding 1 and 2, and truncated MACs', async () => {
    const hsm = testHsm();
    const mak = await loadKey(hsm, 'MAK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210'));
    const data = ascii('Now is the time for all ');
    expect(toHex(await hsm.generateMac(mak, { algorithm: 'x9.19' }, data))).toBe('A1C72E74EA3FA9B6');
    expect(toHex(await hsm.generateMac(mak, { algorithm: 'x9.19', padding: 2 }, data))).toBe('E9086230CA3BE796');
    expect(await hsm.verifyMac(mak, { algorithm: 'x9.19' }, data, fromHex('A1C72E74'))).toBe(true);
    expect(await hsm.verifyMac(mak, { algorithm: 'x9.19' }, data, fromHex('A1C72E75'))).toBe(false);
    await expectRejection(hsm.verifyMac(mak, { algorithm: 'x9.19' }, data, fromHex('A1C7')), 'CRYPTO_ERR_ARGUMENT', { argument: 'mac' });
    await expectRejection(hsm.verifyMac(mak, { algorithm: 'unionpay-ecb' }, data, fromHex('A1C72E74')), 'CRYPTO_ERR_ARGUMENT', { argument: 'mac' });
  });

  it('refuses X9.19 with a single-length MAK, SM4 MAKs and unknown algorithms', async () => {
    const hsm = testHsm();
    const single = await hsm.generateKey('MAK', 'des');
    await expectRejection(hsm.generateMac(single, { algorithm: 'x9.19' }, Buffer.alloc(8)), 'HSM_ERR_ALGORITHM', { argument: 'mak' });
    await expectRejection(hsm.generateMac(await hsm.generateKey('MAK', 'sm4'), { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_ALGORITHM');
    await expectRejection(hsm.generateMac(single, { algorithm: 'cbc' as 'x9.19' }, Buffer.alloc(8)), 'HSM_ERR_ALGORITHM');
  });
});

describe('software HSM: PIN blocks', () => {
  // The test terminal's PIK and the PIN block of its chip sale: PIN 123456 for this PAN, format 0.
  const pikClear = fromHex('89ABCDEF0123456776543210FEDCBA98');
  const pan = '6222021234567890123';
  const pinBlock = fromHex('8E37F451C21B66E2');
  const zpkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');

  it('translates the sale PIN block from the PIK to the network ZPK, which holds the same PIN', async () => {
    const hsm = testHsm();
    const pik = await loadKey(hsm, 'PIK', 'tdes-2key', pikClear);
    const zpk = await loadKey(hsm, 'ZPK', 'tdes-2key', zpkClear);
    const translated = await hsm.translatePinBlock({ sourceKey: pik, targetKey: zpk, sourceFormat: 0, targetFormat: 0, pan, pinBlock });
    expect(translated).toEqual(encryptPinBlock(0, zpkClear, '123456', pan));
    // Format 0 to format 3 (random fill): the network side still reads the same PIN.
    const format3 = await hsm.translatePinBlock({ sourceKey: pik, targetKey: zpk, sourceFormat: 0, targetFormat: 3, pan, pinBlock });
    expect(decryptPinBlock(3, zpkClear, format3, pan)).toBe('123456');
  });

  it('follows the translation policy and key roles', async () => {
    const hsm = testHsm();
    const pik = await loadKey(hsm, 'PIK', 'tdes-2key', pikClear);
    const zpk = await loadKey(hsm, 'ZPK', 'tdes-2key', zpkClear);
    const request = { sourceKey: pik, targetKey: zpk, sourceFormat: 0, targetFormat: 0, pan, pinBlock } as const;
    await expectRejection(hsm.translatePinBlock({ ...request, targetFormat: 1 }), 'HSM_ERR_PIN_POLICY', { sourceFormat: 0, targetFormat: 1 });
    await expectRejection(hsm.translatePinBlock({ ...request, targetFormat: 2 }), 'HSM_ERR_PIN_POLICY');
    await expectRejection(hsm.translatePinBlock({ ...request, targetKey: pik }), 'HSM_ERR_KEY_USAGE', { argument: 'targetKey', type: 'PIK' });
    await expectRejection(hsm.translatePinBlock({ ...request, sourceKey: await hsm.generateKey('MAK', 'tdes-2key') }), 'HSM_ERR_KEY_USAGE', {
      argument: 'sourceKey',
    });
    await expectRejection(hsm.translatePinBlock({ ...request, targetFormat: 4 }), 'HSM_ERR_ALGORITHM', { argument: 'targetKey', format: 4 });
    await expectRejection(hsm.translatePinBlock({ ...request, pinBlock: fromHex('0000000000000000') }), 'CRYPTO_ERR_PINBLOCK_INVALID', {}, [pan]);
  });

  it('format 4 under AES zone keys', async () => {
    const hsm = testHsm();
    const pik = await loadKey(hsm, 'PIK', 'tdes-2key', pikClear);
    const aesClear = fromHex('000102030405060708090A0B0C0D0E0F');
    const aesZpk = await loadKey(hsm, 'ZPK', 'aes-128', aesClear);
    const block = await hsm.translatePinBlock({ sourceKey: pik, targetKey: aesZpk, sourceFormat: 0, targetFormat: 4, pan, pinBlock });
    expect(block).toHaveLength(16);
    expect(decryptPinBlock(4, aesClear, block, pan)).toBe('123456');
  });

  it('verifies a PIN against its Visa PVV inside the HSM (psec: PVKI 1, PIN 4524, PAN 1122334455667788 → 8523)', async () => {
    const hsm = testHsm();
    const zpk = await loadKey(hsm, 'ZPK', 'tdes-2key', zpkClear);
    const pvk = await loadKey(hsm, 'PVK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210'));
    const cardPan = '1122334455667788';
    // The test plays the cardholder's terminal: only here does a clear PIN exist.
    const block = encryptPinBlock(0, zpkClear, '4524', cardPan);
    const request = { pinKey: zpk, pvk, format: 0, pan: cardPan, pinBlock: block, pvki: '1' } as const;
    expect(await hsm.generatePvvFromPinBlock(request)).toBe('8523');
    expect(await hsm.verifyPinPvv({ ...request, pvv: '8523' })).toBe(true);
    expect(await hsm.verifyPinPvv({ ...request, pvv: '8524' })).toBe(false);
    const wrongPin = encryptPinBlock(0, zpkClear, '4525', cardPan);
    expect(await hsm.verifyPinPvv({ ...request, pinBlock: wrongPin, pvv: '8523' })).toBe(false);
    await expectRejection(hsm.verifyPinPvv({ ...request, pvk: zpk, pvv: '8523' }), 'HSM_ERR_KEY_USAGE', { argument: 'pvk' });
  });
});

describe('software HSM: card verification values', () => {
  it('CVV of the Visa example card (4123456789012345, 8701, 101 → 561), CVV2 and iCVV', async () => {
    const hsm = testHsm();
    const cvk = await loadKey(hsm, 'CVK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210'));
    const card = { cvk, pan: '4123456789012345', expiry: '8701' };
    expect(await hsm.generateCvv({ ...card, serviceCode: '101' })).toBe('561');
    expect(await hsm.generateCvv({ ...card, serviceCode: '000' })).toBe('636');
    expect(await hsm.generateCvv({ ...card, serviceCode: '999' })).toBe('651');
    expect(await hsm.verifyCvv({ ...card, serviceCode: '101', cvv: '561' })).toBe(true);
    expect(await hsm.verifyCvv({ ...card, serviceCode: '101', cvv: '562' })).toBe(false);
    await expectRejection(hsm.verifyCvv({ ...card, cvk: await hsm.generateKey('PVK'), serviceCode: '101', cvv: '561' }), 'HSM_ERR_KEY_USAGE');
  });
});

describe('software HSM: track data', () => {
  const tdkClear = fromHex('1F2E3D4C5B6A79880897A6B5C4D3E2F1');
  const zekClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
  // Track 2 of the test card as field 35 packs it: BCD, '=' as D, an odd count padded with 0.
  const track2 = fromHex('6222021234567890123D291222012345678900');

  /** The layout done by hand with node:crypto: TDES-ECB of bytes [length − 9, length − 1). */
  function encipherTrack(key: Buffer, track: Buffer): Buffer {
    const out = Buffer.from(track);
    const start = out.length - 9;
    out.set(createCipheriv('des-ede-ecb', key, null).setAutoPadding(false).update(out.subarray(start, start + 8)), start);
    return out;
  }

  it('re-enciphers the block from the TDK to the ZEK and leaves the rest as it was', async () => {
    const hsm = testHsm();
    const tdk = await loadKey(hsm, 'TDK', 'tdes-2key', tdkClear);
    const zek = await loadKey(hsm, 'ZEK', 'tdes-2key', zekClear);
    const fromTerminal = encipherTrack(tdkClear, track2);
    expect(fromTerminal.subarray(0, track2.length - 9)).toEqual(track2.subarray(0, track2.length - 9));
    expect(fromTerminal.at(-1)).toBe(track2.at(-1));
    const toNetwork = await hsm.translateTrackData({ sourceKey: tdk, targetKey: zek, data: fromTerminal });
    expect(toNetwork).toEqual(encipherTrack(zekClear, track2));
    expect(fromTerminal).toEqual(encipherTrack(tdkClear, track2)); // the input is not modified
  });

  it('needs 9 bytes, TDES keys, a TDK or ZEK source and a ZEK target', async () => {
    const hsm = testHsm();
    const tdk = await loadKey(hsm, 'TDK', 'tdes-2key', tdkClear);
    const zek = await loadKey(hsm, 'ZEK', 'tdes-2key', zekClear);
    await expectRejection(hsm.translateTrackData({ sourceKey: tdk, targetKey: zek, data: Buffer.alloc(trackDataMinBytes - 1) }), 'HSM_ERR_TRACK_DATA', {
      length: 8,
    });
    await expectRejection(hsm.translateTrackData({ sourceKey: tdk, targetKey: tdk, data: track2 }), 'HSM_ERR_KEY_USAGE', { argument: 'targetKey' });
    await expectRejection(hsm.translateTrackData({ sourceKey: await hsm.generateKey('TDK', 'sm4'), targetKey: zek, data: track2 }), 'HSM_ERR_ALGORITHM');
  });

  it('deciphers a track under the ZEK (the issuer side): the packed track comes back whole', async () => {
    const hsm = testHsm();
    const zek = await loadKey(hsm, 'ZEK', 'tdes-2key', zekClear);
    const underZek = encipherTrack(zekClear, track2);
    expect(underZek.equals(track2)).toBe(false);
    expect(await hsm.decryptTrackData({ key: zek, data: underZek })).toEqual(track2);
    expect(underZek).toEqual(encipherTrack(zekClear, track2)); // the input is not modified
    // Under another ZEK the block deciphers to something else: the caller checks the track.
    const otherZek = await hsm.generateKey('ZEK');
    expect((await hsm.decryptTrackData({ key: otherZek, data: underZek })).equals(track2)).toBe(false);
  });

  it('deciphers only under a ZEK (never the TDK a host holds), and needs 9 bytes', async () => {
    const hsm = testHsm();
    const tdk = await loadKey(hsm, 'TDK', 'tdes-2key', tdkClear);
    const zek = await loadKey(hsm, 'ZEK', 'tdes-2key', zekClear);
    await expectRejection(hsm.decryptTrackData({ key: tdk, data: encipherTrack(tdkClear, track2) }), 'HSM_ERR_KEY_USAGE', { argument: 'key' });
    await expectRejection(hsm.decryptTrackData({ key: zek, data: Buffer.alloc(trackDataMinBytes - 1) }), 'HSM_ERR_TRACK_DATA', { length: 8 });
    await expectRejection(hsm.decryptTrackData({ key: await hsm.generateKey('ZEK', 'sm4'), data: track2 }), 'HSM_ERR_ALGORITHM');
  });
});

describe('software HSM: EMV (pyemv tests/test_cvn_hsm.py chains: IMK 0123…3210, PAN 1234567890123456, PSN 00, ATC 001C)', () => {
  const imkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
  const card = { pan: '1234567890123456', psn: '00', atc: fromHex('001C') };
  const visaData = '000000004000' + '000000000000' + '0124' + '8000048000' + '0124' + '191105' + '01' + '52BF4585' + '1800' + '001C';
  const mcData = fromHex('000000009999' + '000000000000' + '0124' + '8000000000' + '0124' + '209906' + '00' + 'ABCDEF12' + '1800' + '001C' + 'A00003220000');

  it('Visa CVN 10: no session key, padding 1, ARPC method 1', async () => {
    const hsm = testHsm();
    const imkAc = await loadKey(hsm, 'IMK-AC', 'tdes-2key', imkClear);
    const request = { imkAc, ...card, sessionKey: 'none', data: fromHex(`${visaData}03A06010`), arqc: fromHex('29CCA15AE665FA2E'), padding: 1 } as const;
    expect(await hsm.verifyArqc(request)).toBe(true);
    expect(await hsm.verifyArqc({ ...request, arqc: fromHex('29CCA15AE665FA2F') })).toBe(false);
    expect(await hsm.verifyArqc({ ...request, atc: fromHex('001D') })).toBe(true); // no session key: the ATC counts only inside the data
    const arpc = await hsm.generateArpc({ imkAc, ...card, sessionKey: 'none', arqc: request.arqc, method: 1, arc: fromHex('3030') });
    expect(toHex(arpc)).toBe('28993816AFAE4AEB');
  });

  it('Visa CVN 18: common session key, padding 2, ARPC method 2', async () => {
    const hsm = testHsm();
    const imkAc = await loadKey(hsm, 'IMK-AC', 'tdes-2key', imkClear);
    const arqc = fromHex('7A788EA6B8A3E733');
    expect(await hsm.verifyArqc({ imkAc, ...card, sessionKey: 'common', data: fromHex(`${visaData}06011203A0B800`), arqc, padding: 2 })).toBe(true);
    expect(await hsm.verifyArqc({ imkAc, ...card, atc: fromHex('001D'), sessionKey: 'common', data: fromHex(`${visaData}06011203A0B800`), arqc, padding: 2 })).toBe(
      false,
    );
    const arpc = await hsm.generateArpc({ imkAc, ...card, sessionKey: 'common', arqc, method: 2, csu: fromHex('00000000') });
    expect(toHex(arpc)).toBe('9AF514C1');
  });

  it('Mastercard CVN 16 (R = ATC || 0000 || UN) and CVN 20 (common), ARPC method 1', async () => {
    const hsm = testHsm();
    const imkAc = await loadKey(hsm, 'IMK-AC', 'tdes-2key', imkClear);
    const un = fromHex('ABCDEF12');
    expect(await hsm.verifyArqc({ imkAc, ...card, sessionKey: 'common', unpredictableNumber: un, data: mcData, arqc: fromHex('24CCF3DEE3158C70'), padding: 2 })).toBe(true);
    expect(toHex(await hsm.generateArpc({ imkAc, ...card, sessionKey: 'none', arqc: fromHex('24CCF3DEE3158C70'), method: 1, arc: fromHex('0010') }))).toBe(
      '73F6BBF389A6586C',
    );
    expect(await hsm.verifyArqc({ imkAc, ...card, sessionKey: 'common', data: mcData, arqc: fromHex('CD29615D6452E70E'), padding: 2 })).toBe(true);
    expect(toHex(await hsm.generateArpc({ imkAc, ...card, sessionKey: 'common', arqc: fromHex('CD29615D6452E70E'), method: 1, arc: fromHex('0010') }))).toBe(
      'DFD0956606B68D64',
    );
    await expectRejection(
      hsm.verifyArqc({ imkAc, ...card, sessionKey: 'none', unpredictableNumber: un, data: mcData, arqc: fromHex('CD29615D6452E70E'), padding: 2 }),
      'CRYPTO_ERR_ARGUMENT',
      { argument: 'unpredictableNumber' },
    );
  });

  it('the Visa secure-messaging session key (pyemv: option B ICC MK, MAC DB56BA60087CEFD3)', async () => {
    const hsm = testHsm();
    const imkAc = await loadKey(hsm, 'IMK-AC', 'tdes-2key', fromHex('FEDCBA98765432100123456789ABCDEF'));
    const request = { imkAc, ...card, iccMasterKeyOption: 'B', sessionKey: 'visa-sm', data: fromHex('8418000008001C29CCA15AE665FA2E'), padding: 2 } as const;
    expect(await hsm.verifyArqc({ ...request, arqc: fromHex('DB56BA60087CEFD3') })).toBe(true);
  });

  it('needs an IMK-AC and an 8-byte ARQC', async () => {
    const hsm = testHsm();
    const cvk = await hsm.generateKey('CVK');
    const base = { ...card, sessionKey: 'common', data: Buffer.alloc(8), padding: 2 } as const;
    await expectRejection(hsm.verifyArqc({ imkAc: cvk, ...base, arqc: Buffer.alloc(8) }), 'HSM_ERR_KEY_USAGE', { argument: 'imkAc', type: 'CVK' });
    await expectRejection(hsm.verifyArqc({ imkAc: await hsm.generateKey('IMK-AC'), ...base, arqc: Buffer.alloc(4) }), 'CRYPTO_ERR_ARGUMENT', { argument: 'arqc' });
  });
});

describe('software HSM: PAN protection', () => {
  const pan = '4761739001010010';

  it('seals a PAN with AES-256-GCM under a DEK and opens it again; the sealed form holds no digits of it', async () => {
    const hsm = testHsm();
    const dek = await hsm.generateDataKey();
    const sealed = await hsm.encryptPan(dek, pan);
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(sealed.ciphertext).toHaveLength(pan.length);
    expect(sealed.ciphertext.toString('latin1')).not.toContain(pan.slice(0, 6));
    expect(await hsm.decryptPan(dek, sealed)).toBe(pan);
    const again = await hsm.encryptPan(dek, pan);
    expect(again.ciphertext).not.toEqual(sealed.ciphertext);
  });

  it('refuses altered data, another DEK and malformed PANs', async () => {
    const hsm = testHsm();
    const dek = await hsm.generateDataKey();
    const sealed = await hsm.encryptPan(dek, pan);
    for (const field of ['ciphertext', 'iv', 'tag'] as const) {
      const altered = Buffer.from(sealed[field]);
      altered[0] = (altered[0] as number) ^ 0x01;
      await expectRejection(hsm.decryptPan(dek, { ...sealed, [field]: altered }), 'HSM_ERR_DATA_INTEGRITY', {}, [pan]);
    }
    await expectRejection(hsm.decryptPan(await hsm.generateDataKey(), sealed), 'HSM_ERR_DATA_INTEGRITY');
    await expectRejection(hsm.encryptPan(dek, '47617390'), 'CRYPTO_ERR_PAN');
    await expectRejection(hsm.encryptPan(dek, '476173900101001X'), 'CRYPTO_ERR_PAN', {}, ['476173900101001X']);
    await expectRejection(hsm.encryptPan(await hsm.generateKey('HASH'), pan), 'HSM_ERR_KEY_USAGE', { argument: 'dek', type: 'HASH' });
  });

  it('the look-up hash is HMAC-SHA-256 under the HASH key: equal for equal PANs, keyed', async () => {
    const hsm = testHsm();
    const hashClear = Buffer.alloc(32, 0x5a);
    const hashKey = await loadKey(hsm, 'HASH', 'hmac-sha256', hashClear);
    const hash = await hsm.panLookupHash(hashKey, pan);
    expect(hash).toEqual(createHmac('sha256', hashClear).update('bastion/card-data/pan-lookup/v1\u0000').update(pan).digest());
    expect(await hsm.panLookupHash(hashKey, pan)).toEqual(hash);
    expect(await hsm.panLookupHash(hashKey, '4761739001010011')).not.toEqual(hash);
    expect(await hsm.panLookupHash(await hsm.generateKey('HASH'), pan)).not.toEqual(hash);
    await expectRejection(hsm.panLookupHash(await hsm.generateDataKey(), pan), 'HSM_ERR_KEY_USAGE', { argument: 'hashKey' });
  });
});

describe('software HSM: status', () => {
  it('reports the LMK check value and whether it is the development LMK', async () => {
    const status = await testHsm().status();
    expect(status).toEqual({ implementation: 'software', lmkKcv: fromHex('C9F5C8'), development: true });
    expect(JSON.stringify(testHsm())).toBe('{"implementation":"software","lmkKcv":"C9F5C8"}');
  });
});
