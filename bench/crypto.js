// `npm run bench:crypto` — Bastion's payment cryptography against the npm `dukpt` package and the
// bare node:crypto floor, on the same inputs, in one run. Results are cross-checked equal before
// anything is timed. BENCH_QUICK=1 gives a fast smoke run.
import { createRequire } from 'node:module';
import os from 'node:os';
import { createCipheriv, randomBytes } from 'node:crypto';
import * as bastion from '../dist/lib/crypto/index.js';
import { aesDukptFloor, ecbKept, ecbOnce, tdesDukptFloor } from './floor.js';
import { assertSame, measure, report } from './harness.js';

const require = createRequire(import.meta.url);
const Dukpt = require('dukpt');
const hex = (bytes) => Buffer.from(bytes).toString('hex').toUpperCase();

console.log(`Bastion crypto benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${process.env.BENCH_QUICK === '1' ? 'quick' : 'full'} run`);

// ---- inputs -------------------------------------------------------------------------------
const inputCount = 1024;
function popcount(value) {
  let bits = 0;
  for (let v = value; v !== 0; v >>>= 1) bits += v & 1;
  return bits;
}
function randomCounter(widthBits, maxOnes) {
  for (;;) {
    const value = randomBytes(4).readUInt32BE(0) >>> (32 - widthBits);
    const ones = popcount(value);
    if (value !== 0 && ones <= maxOnes) return value;
  }
}
/** TDES KSNs: random 59-bit device IDs with random valid counters (≤ 10 one-bits). */
const tdesKsns = Array.from({ length: inputCount }, () => {
  const ksn = randomBytes(10);
  const counter = randomCounter(21, 10);
  ksn[7] = (ksn[7] & 0xe0) | (counter >>> 16);
  ksn[8] = (counter >>> 8) & 0xff;
  ksn[9] = counter & 0xff;
  return ksn;
});
/** AES KSNs: random initial key IDs with random valid 32-bit counters (≤ 16 one-bits). */
const aesKsns = Array.from({ length: inputCount }, () => {
  const ksn = randomBytes(12);
  ksn.writeUInt32BE(randomCounter(32, 16), 8);
  return ksn;
});
const averageOnes = (ksns, read) => (ksns.reduce((sum, ksn) => sum + popcount(read(ksn)), 0) / ksns.length).toFixed(1);
console.log(`inputs: ${inputCount} KSNs per scheme; average counter one-bits: TDES ${averageOnes(tdesKsns, (k) => ((k[7] & 0x1f) << 16) | (k[8] << 8) | k[9])}, AES ${averageOnes(aesKsns, (k) => k.readUInt32BE(8))}`);

const tdesBdk = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const aesBdk = Buffer.from('FEDCBA9876543210F1F1F1F1F1F1F1F1', 'hex');
const clearPinBlock8 = Buffer.from('041274EDCBA9876F', 'hex');
const clearPinBlock16 = Buffer.from('441234AAAAAAAAAA2FE0D63E13B7C0C8', 'hex');

const results = [];
function compare(title, rows, baseline) {
  report(title, rows, baseline);
  results.push({ title, rows: rows.map((row) => ({ name: row.name, opsPerSecond: Math.round(row.rate) })) });
}

// ---- 1. TDES DUKPT: derive the PIN key for a KSN and encrypt a PIN block with it ----------
// Cold: each host remembers one device only, so with 1024 devices rotating nothing is ever reused.
{
  const host = new bastion.TdesDukptHost(tdesBdk, { devicesCachedMax: 1 });
  const floorPinKey = tdesDukptFloor(tdesBdk);
  const ours = (i) => new bastion.EcbCipher('tdes', host.derivePinKey(tdesKsns[i % inputCount])).encryptUnchecked(clearPinBlock8);
  const floor = (i) => ecbOnce('tdes', floorPinKey(tdesKsns[i % inputCount]), clearPinBlock8);
  const peer = (i) =>
    new Dukpt(hex(tdesBdk), hex(tdesKsns[i % inputCount]), 'pinkey').dukptEncrypt(hex(clearPinBlock8), { inputEncoding: 'hex', outputEncoding: 'hex', encryptionMode: '3DES' });
  for (let i = 0; i < inputCount; i++) {
    assertSame('TDES DUKPT (floor)', hex(floor(i)), hex(ours(i)));
    assertSame('TDES DUKPT (dukpt package)', String(peer(i)).toUpperCase(), hex(ours(i)));
  }
  compare('TDES DUKPT: PIN key derivation + PIN block encryption, random devices and counters, cold (no reuse)', [
    { name: 'bastion TdesDukptHost', rate: measure(ours) },
    { name: 'npm dukpt 3.0.0 (pinkey mode)', rate: measure(peer) },
    { name: 'floor: bare node:crypto calls', rate: measure(floor) },
  ], 'bastion TdesDukptHost');
}

// ---- 2. AES-128 DUKPT: derive the AES-128 PIN key and encrypt a format 4 block ---------------
{
  const host = new bastion.AesDukptHost(aesBdk, { devicesCachedMax: 1 });
  const floorPinKey = aesDukptFloor(aesBdk);
  const ours = (i) => new bastion.EcbCipher('aes', host.derivePinKey(aesKsns[i % inputCount])).encryptUnchecked(clearPinBlock16);
  const floor = (i) => ecbOnce('aes', floorPinKey(aesKsns[i % inputCount]), clearPinBlock16);
  for (let i = 0; i < inputCount; i++) assertSame('AES DUKPT (floor)', hex(floor(i)), hex(ours(i)));
  compare('AES-128 DUKPT (X9.24-3): PIN key derivation + block encryption, random devices and counters, cold (no reuse)', [
    { name: 'bastion AesDukptHost', rate: measure(ours) },
    { name: 'floor: bare node:crypto calls', rate: measure(floor) },
  ], 'bastion AesDukptHost');
  console.log('  (the npm dukpt package has no X9.24-3 AES DUKPT: its "AES" mode encrypts with a TDES-DUKPT-derived key)');
}

// ---- 3. a fleet: 64 terminals taking turns, each with consecutive counters ---------------------
// What a host sees in production. Bastion's hosts remember recent devices (bounded LRU) and the
// keys of each one's last walk, so a KSN costs only the steps its counter changed.
{
  const terminals = 64;
  const nextCounter = (counter) => {
    let next = counter + 1;
    while (popcount(next) > 10) next++;
    return next;
  };
  const fleetTdes = [];
  const fleetAes = [];
  const counters = new Array(terminals).fill(0);
  while (fleetTdes.length < inputCount * 4) {
    const terminal = fleetTdes.length % terminals;
    counters[terminal] = nextCounter(counters[terminal]);
    const tdes = Buffer.from(tdesKsns[terminal]);
    tdes[7] = (tdes[7] & 0xe0) | (counters[terminal] >>> 16);
    tdes[8] = (counters[terminal] >>> 8) & 0xff;
    tdes[9] = counters[terminal] & 0xff;
    fleetTdes.push(tdes);
    const aes = Buffer.from(aesKsns[terminal]);
    aes.writeUInt32BE(counters[terminal], 8);
    fleetAes.push(aes);
  }
  const count = fleetTdes.length;
  {
    const floorPinKey = tdesDukptFloor(tdesBdk);
    const verify = new bastion.TdesDukptHost(tdesBdk);
    const peer = (i) =>
      new Dukpt(hex(tdesBdk), hex(fleetTdes[i % count]), 'pinkey').dukptEncrypt(hex(clearPinBlock8), { inputEncoding: 'hex', outputEncoding: 'hex', encryptionMode: '3DES' });
    for (let i = 0; i < count; i++) assertSame('TDES DUKPT fleet', String(peer(i)).toUpperCase(), hex(new bastion.EcbCipher('tdes', verify.derivePinKey(fleetTdes[i])).encryptUnchecked(clearPinBlock8)));
    const host = new bastion.TdesDukptHost(tdesBdk);
    const ours = (i) => new bastion.EcbCipher('tdes', host.derivePinKey(fleetTdes[i % count])).encryptUnchecked(clearPinBlock8);
    const floor = (i) => ecbOnce('tdes', floorPinKey(fleetTdes[i % count]), clearPinBlock8);
    compare(`TDES DUKPT: a fleet of ${terminals} terminals in turn, consecutive counters`, [
      { name: 'bastion TdesDukptHost', rate: measure(ours) },
      { name: 'npm dukpt 3.0.0 (pinkey mode)', rate: measure(peer) },
      { name: 'floor: bare node:crypto calls (no reuse)', rate: measure(floor) },
    ], 'bastion TdesDukptHost');
  }
  {
    const floorPinKey = aesDukptFloor(aesBdk);
    const host = new bastion.AesDukptHost(aesBdk);
    const ours = (i) => new bastion.EcbCipher('aes', host.derivePinKey(fleetAes[i % count])).encryptUnchecked(clearPinBlock16);
    const floor = (i) => ecbOnce('aes', floorPinKey(fleetAes[i % count]), clearPinBlock16);
    for (let i = 0; i < count; i++) assertSame('AES DUKPT fleet', hex(floor(i)), hex(ours(i)));
    compare(`AES-128 DUKPT: a fleet of ${terminals} terminals in turn, consecutive counters`, [
      { name: 'bastion AesDukptHost', rate: measure(ours) },
      { name: 'floor: bare node:crypto calls (no reuse)', rate: measure(floor) },
    ], 'bastion AesDukptHost');
  }
}

// ---- PIN blocks: a fleet of cards, each with its PAN and a format 0 block under the PIK --------
const pik = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const zpk = Buffer.from('89ABCDEF0123456776543210FEDCBA98', 'hex');
function randomDigits(length) {
  let text = '';
  while (text.length < length) text += String(randomBytes(1)[0] % 10);
  return text;
}
/** ISO 9564 format 0 PAN field: 0000 + the 12 rightmost PAN digits before the check digit. */
function panField(pan) {
  const digits = `0000${pan.slice(-13, -1)}`;
  return Buffer.from(digits, 'hex');
}
const cards = Array.from({ length: inputCount }, () => {
  const pan = `62${randomDigits(14 + (randomBytes(1)[0] % 4))}`;
  const pin = randomDigits(4 + (randomBytes(1)[0] % 9));
  const pinField = Buffer.from(`0${pin.length.toString(16)}${pin}`.padEnd(16, 'F'), 'hex');
  const clear = Buffer.from(pinField.map((byte, i) => byte ^ panField(pan)[i]));
  return { pan, pinBlock: ecbOnce('tdes', pik, clear) };
});

/** Floor for a format 0 → format 0 translation: decrypt, check the block, encrypt. */
function floorTranslator(sourceKey, targetKey) {
  const decipher = ecbKept('tdes', sourceKey, 'decrypt');
  const cipher = ecbKept('tdes', targetKey);
  return (block, pan) => {
    const clear = decipher.update(block);
    const field = panField(pan);
    const control = (clear[0] ^ field[0]) >> 4;
    const length = (clear[0] ^ field[0]) & 0x0f;
    if (control !== 0 || length < 4 || length > 12) throw new Error('bad PIN block');
    return cipher.update(clear);
  };
}

// ---- 4. PIN block translation, fixed keys: terminal PIK → network ZPK, format 0 → format 0 ----
{
  const translator = new bastion.PinBlockTranslator({ format: 0, key: pik }, { format: 0, key: zpk });
  const floorTranslate = floorTranslator(pik, zpk);
  const ours = (i) => translator.translate(cards[i % inputCount].pinBlock, cards[i % inputCount].pan);
  const floor = (i) => floorTranslate(cards[i % inputCount].pinBlock, cards[i % inputCount].pan);
  for (let i = 0; i < inputCount; i++) assertSame('PIN translation (floor)', hex(floor(i)), hex(ours(i)));
  compare('PIN block translation, format 0 TDES PIK → format 0 TDES ZPK (keys fixed, PAN and PIN vary)', [
    { name: 'bastion PinBlockTranslator', rate: measure(ours) },
    { name: 'floor: bare node:crypto calls', rate: measure(floor) },
  ], 'bastion PinBlockTranslator');
  console.log('  (the npm dukpt package has no PIN block translation; see the DUKPT → ZPK row below)');
}

// ---- 5. DUKPT → ZPK: what an acquirer does with a PIN block from a DUKPT terminal (cold) -------
{
  const host = new bastion.TdesDukptHost(tdesBdk, { devicesCachedMax: 1 });
  const floorPinKey = tdesDukptFloor(tdesBdk);
  const zpkCipher = ecbKept('tdes', zpk);
  const dukptBlocks = cards.map((card, i) => {
    const field = panField(card.pan);
    const pinKey = host.derivePinKey(tdesKsns[i]);
    const clear = bastion.decryptEcb('tdes', pik, card.pinBlock);
    return { pan: card.pan, ksn: tdesKsns[i], block: ecbOnce('tdes', pinKey, clear), field };
  });
  const zoneCipher = new bastion.PinBlockCipher(0, zpk);
  const ours = (i) => {
    const item = dukptBlocks[i % inputCount];
    return new bastion.PinBlockTranslator({ format: 0, key: host.derivePinKey(item.ksn) }, zoneCipher).translate(item.block, item.pan);
  };
  const floor = (i) => {
    const item = dukptBlocks[i % inputCount];
    const decipher = ecbKept('tdes', floorPinKey(item.ksn), 'decrypt');
    return zpkCipher.update(decipher.update(item.block));
  };
  const peer = (i) => {
    const item = dukptBlocks[i % inputCount];
    const clearHex = new Dukpt(hex(tdesBdk), hex(item.ksn), 'pinkey').dukptDecrypt(hex(item.block), { outputEncoding: 'hex', decryptionMode: '3DES' });
    return zpkCipher.update(Buffer.from(clearHex, 'hex'));
  };
  for (let i = 0; i < inputCount; i++) {
    assertSame('DUKPT → ZPK (floor)', hex(floor(i)), hex(ours(i)));
    assertSame('DUKPT → ZPK (dukpt package)', hex(peer(i)), hex(ours(i)));
  }
  compare('PIN block translation from TDES DUKPT to a ZPK (derive, decrypt, check, re-encrypt), random devices, cold', [
    { name: 'bastion TdesDukptHost + PinBlockTranslator', rate: measure(ours) },
    { name: 'npm dukpt 3.0.0 decrypt + node:crypto encrypt', rate: measure(peer) },
    { name: 'floor: bare node:crypto calls', rate: measure(floor) },
  ], 'bastion TdesDukptHost + PinBlockTranslator');
}

// ---- 6. X9.19 retail MAC of a typical 200-byte terminal message, fixed MAK -----------------------
{
  const mak = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
  const messages = Array.from({ length: inputCount }, () => randomBytes(200));
  const mac = new bastion.RetailMac(mak);
  const ours = (i) => mac.compute(messages[i % inputCount]);
  // Floor A: a fresh single-DES CBC context per message (the obvious way), then TDES on the last block.
  const finalCipher = ecbKept('tdes', mak);
  const desKey = Buffer.concat([mak.subarray(0, 8), mak.subarray(0, 8), mak.subarray(0, 8)]);
  const zeroIv = Buffer.alloc(8);
  const freshCbc = (i) => {
    const message = messages[i % inputCount];
    const cbc = createCipheriv('des-ede3-cbc', desKey, zeroIv);
    cbc.setAutoPadding(false);
    const chained = cbc.update(message.subarray(0, 192));
    const last = Buffer.allocUnsafe(8);
    for (let k = 0; k < 8; k++) last[k] = message[192 + k] ^ chained[184 + k];
    return finalCipher.update(last);
  };
  // Floor B: one CBC context kept for the key; its chaining value is cancelled by XOR into the first block.
  const keptCbc = createCipheriv('des-ede3-cbc', desKey, zeroIv);
  keptCbc.setAutoPadding(false);
  let chain = Buffer.alloc(8);
  const scratch = Buffer.alloc(192);
  const kept = (i) => {
    const message = messages[i % inputCount];
    message.copy(scratch, 0, 0, 192);
    for (let k = 0; k < 8; k++) scratch[k] ^= chain[k];
    const out = keptCbc.update(scratch);
    chain = out.subarray(184);
    const last = Buffer.allocUnsafe(8);
    for (let k = 0; k < 8; k++) last[k] = message[192 + k] ^ chain[k];
    return finalCipher.update(last);
  };
  for (let i = 0; i < inputCount; i++) {
    assertSame('X9.19 (fresh CBC floor)', hex(freshCbc(i)), hex(ours(i)));
    assertSame('X9.19 (kept CBC floor)', hex(kept(i)), hex(ours(i)));
  }
  compare('X9.19 retail MAC (ISO 9797-1 alg. 3), 200-byte messages, fixed MAK', [
    { name: 'bastion RetailMac', rate: measure(ours) },
    { name: 'floor A: fresh CBC context per message', rate: measure(freshCbc) },
    { name: 'floor B: kept CBC context (same trick as Bastion)', rate: measure(kept) },
  ], 'bastion RetailMac');
  console.log('  (the npm dukpt package has no X9.19 MAC)');
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results));

