// `npm run bench:iso8583` — Bastion's ISO 8583 codec against the npm `iso_8583` package on the same
// chip sale (fields 2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 49, 52, 53, 55, 60, 64), in one run.
// Every side's packed output is decoded and checked equal in meaning to the input before anything
// is timed. Needs `npm run build` first. BENCH_QUICK=1 gives a fast smoke run; --json prints the
// figures as JSON too; `--fuzz N` runs N fuzz cases against unpack instead (bench/iso8583-fuzz.js).
import { createRequire } from 'node:module';
import os from 'node:os';
import { randomBytes, randomInt } from 'node:crypto';
import { IsoMessage, MessageCodec, iso87AsciiSpec, unionPayPosSpec } from '../dist/lib/iso8583/index.js';
import { measure, report } from './harness.js';

const fuzzAt = process.argv.indexOf('--fuzz');
if (fuzzAt >= 0) {
  const { runFuzz } = await import('./iso8583-fuzz.js');
  const cases = Number.parseInt(process.argv[fuzzAt + 1] ?? '', 10);
  process.exit(runFuzz(Number.isInteger(cases) && cases > 0 ? cases : 100_000) ? 0 : 1);
}

const require = createRequire(import.meta.url);
const PeerIso = require('iso_8583');
const peerVersion = require('iso_8583/package.json').version;

console.log(`Bastion ISO 8583 benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${process.env.BENCH_QUICK === '1' ? 'quick' : 'full'} run`);

// ---- inputs: 256 chip sales with different cards, amounts, traces and cryptograms --------------
const inputCount = 256;
const hex = (bytes) => Buffer.from(bytes).toString('hex').toUpperCase();
const digits = (count) => Array.from({ length: count }, () => randomInt(10)).join('');

/** One BER-TLV data object with a short-form length (every value here is under 128 bytes). */
function tlv(tag, value) {
  const body = typeof value === 'string' ? Buffer.from(value, 'hex') : value;
  return Buffer.concat([Buffer.from(tag, 'hex'), Buffer.from([body.length]), body]);
}

/** Field 55 of a UnionPay chip sale (ARQC request): about 160 bytes of EMV data. */
function emvData(amount) {
  return Buffer.concat([
    tlv('9F26', randomBytes(8)), // application cryptogram
    tlv('9F27', '80'), // cryptogram information data: ARQC
    tlv('9F10', Buffer.concat([Buffer.from('07010103A0A000', 'hex'), randomBytes(11)])), // issuer application data
    tlv('9F37', randomBytes(4)), // unpredictable number
    tlv('9F36', randomBytes(2)), // application transaction counter
    tlv('95', '0000000800'), // terminal verification results
    tlv('9A', '261121'), // transaction date
    tlv('9C', '00'), // transaction type
    tlv('9F02', amount), // amount, authorised
    tlv('5F2A', '0156'), // transaction currency code
    tlv('82', '7C00'), // application interchange profile
    tlv('9F1A', '0156'), // terminal country code
    tlv('9F03', '000000000000'), // amount, other
    tlv('9F33', 'E0F1C8'), // terminal capabilities
    tlv('9F34', '420300'), // CVM results
    tlv('9F35', '22'), // terminal type
    tlv('9F1E', Buffer.from(digits(8), 'ascii')), // interface device serial number
    tlv('84', 'A000000333010101'), // dedicated file name (UnionPay debit)
    tlv('9F09', '0030'), // application version number
    tlv('9F41', digits(8)), // transaction sequence counter
    tlv('9F63', randomBytes(16)), // card product identification
  ]);
}

/** The sale as plain values; each side is built from this. */
function sale() {
  const pan = `622202${digits(13)}`;
  const amount = digits(12);
  return {
    mti: '0200',
    2: pan,
    3: '000000',
    4: amount,
    11: digits(6),
    14: '2812',
    22: '051',
    23: '001',
    25: '00',
    26: '12',
    35: `${pan}=2812201${digits(10)}`,
    41: `TERM${digits(4)}`,
    42: `1234567${digits(8)}`,
    49: '156',
    52: randomBytes(8),
    53: '2600000000000000',
    55: emvData(amount),
    60: { typeCode: '22', batchNumber: digits(6), networkCode: '000', terminalCapability: '5', icCondition: '0' },
    64: randomBytes(8),
  };
}

const fieldNumbers = [2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 49, 52, 53, 55, 60, 64];
const compositeText = (value) => Object.values(value).join('');

function bastionMessage(spec, values) {
  const message = new IsoMessage(spec, values.mti);
  for (const field of fieldNumbers) {
    const value = values[field];
    // iso87-ascii's 60 is plain text; UnionPay's is positional sub-fields.
    message.set(field, typeof value === 'object' && !(value instanceof Uint8Array) && spec.fields[field].subfields === undefined ? compositeText(value) : value);
  }
  return message;
}

/**
 * The peer's shape of the same sale: binary values as hex text (its `b` fields hold hex, and its
 * field 55 is `ans` text), field 60 as text. Its defaults make 53 `b` of 96 hex characters and 64
 * `b` of 8 hex characters (4 bytes), so those two get ISO 8583:1987's definitions: n 16 and b 64.
 */
const peerFormats = {
  53: { ContentType: 'n', Label: 'Security related control information', LenType: 'fixed', MaxLen: 16 },
  64: { ContentType: 'b', Label: 'Message authentication code', LenType: 'fixed', MaxLen: 16 },
};
function peerData(values) {
  const data = { 0: values.mti };
  for (const field of fieldNumbers) {
    const value = values[field];
    data[field] = value instanceof Uint8Array ? hex(value) : typeof value === 'object' ? compositeText(value) : value;
  }
  return data;
}

/**
 * Field values in one comparable form: text as is, composites joined, bytes as uppercase hex; the
 * peer gives binary fields (52, 55, 64) as hex text in either case, so those are uppercased.
 */
const binaryFields = new Set([52, 55, 64]);
function normalised(mti, get) {
  const out = { mti };
  for (const field of fieldNumbers) {
    const value = get(field);
    if (value instanceof Uint8Array) out[field] = hex(value);
    else if (typeof value === 'object' && value !== null) out[field] = compositeText(value);
    else out[field] = binaryFields.has(field) ? String(value).toUpperCase() : value;
  }
  return JSON.stringify(out);
}
const expectedOf = (values) => normalised(values.mti, (field) => values[field]);

const sales = Array.from({ length: inputCount }, sale);
const upCodec = new MessageCodec(unionPayPosSpec);
const asciiCodec = new MessageCodec(iso87AsciiSpec);
const upMessages = sales.map((values) => bastionMessage(unionPayPosSpec, values));
const asciiMessages = sales.map((values) => bastionMessage(iso87AsciiSpec, values));
const peerMessages = sales.map(peerData);
const upPacked = upMessages.map((message) => upCodec.pack(message));
const asciiPacked = asciiMessages.map((message) => asciiCodec.pack(message));
const peerPack = (data) => new PeerIso(data, peerFormats).getRawMessage();
const peerUnpack = (bytes) => new PeerIso(undefined, peerFormats).getIsoJSON(bytes, { lenHeader: false });
const peerPacked = peerMessages.map(peerPack);

// ---- cross-check: every side decodes its own output back to the same field values ---------------
for (let i = 0; i < inputCount; i++) {
  const expected = expectedOf(sales[i]);
  const up = upCodec.unpack(upPacked[i]);
  const ascii = asciiCodec.unpack(asciiPacked[i]);
  if (peerPacked[i].error !== undefined) throw new Error(`the peer refused sale ${i}: ${peerPacked[i].error}`);
  const peer = peerUnpack(peerPacked[i]);
  const checks = [
    ['bastion unionpay-pos', normalised(up.mti, (field) => up.get(field))],
    ['bastion iso87-ascii', normalised(ascii.mti, (field) => ascii.get(field))],
    [`npm iso_8583 ${peerVersion}`, normalised(peer[0], (field) => peer[field])],
  ];
  for (const [name, actual] of checks) {
    if (actual !== expected) {
      console.error(`cross-check failed for ${name} on sale ${i}: decoded fields differ from the input`);
      process.exit(1);
    }
  }
}
const average = (list) => Math.round(list.reduce((sum, bytes) => sum + bytes.length, 0) / list.length);
console.log(
  `inputs: ${inputCount} chip sales, field 55 ${average(sales.map((s) => s[55]))} bytes of EMV TLV; packed sizes: unionpay-pos ${average(upPacked)} B, iso87-ascii ${average(asciiPacked)} B, iso_8583 ${average(peerPacked)} B (all cross-checked)`,
);

// ---- timing ----------------------------------------------------------------------------------------
const results = [];
function compare(title, rows, baseline) {
  report(title, rows, baseline);
  results.push({ title, rows: rows.map((row) => ({ name: row.name, opsPerSecond: Math.round(row.rate) })) });
  return rows;
}
const peerName = `npm iso_8583 ${peerVersion}`;
const at = (list, i) => list[i % inputCount];

const pack = compare('pack: message → bytes (typical chip sale)', [
  { name: 'bastion MessageCodec, unionpay-pos', rate: measure((i) => upCodec.pack(at(upMessages, i))) },
  { name: 'bastion MessageCodec, iso87-ascii', rate: measure((i) => asciiCodec.pack(at(asciiMessages, i))) },
  { name: `${peerName} (getRawMessage)`, rate: measure((i) => peerPack(at(peerMessages, i))) },
], `${peerName} (getRawMessage)`);

const unpack = compare('unpack: bytes → message', [
  { name: 'bastion MessageCodec, unionpay-pos', rate: measure((i) => upCodec.unpack(at(upPacked, i))) },
  { name: 'bastion MessageCodec, iso87-ascii', rate: measure((i) => asciiCodec.unpack(at(asciiPacked, i))) },
  { name: `${peerName} (getIsoJSON)`, rate: measure((i) => peerUnpack(at(peerPacked, i))) },
], `${peerName} (getIsoJSON)`);

compare('pack + unpack', [
  { name: 'bastion MessageCodec, unionpay-pos', rate: measure((i) => upCodec.unpack(upCodec.pack(at(upMessages, i)))) },
  { name: 'bastion MessageCodec, iso87-ascii', rate: measure((i) => asciiCodec.unpack(asciiCodec.pack(at(asciiMessages, i)))) },
  { name: peerName, rate: measure((i) => peerUnpack(peerPack(at(peerMessages, i)))) },
], peerName);

// ---- targets (issue): ≥ 3× the peer on pack and on unpack, ≥ 200,000 unpacks/s on one core -----
console.log('\ntargets');
const peerPackRate = pack[2].rate;
const peerUnpackRate = unpack[2].rate;
for (const [index, name] of [[0, 'unionpay-pos'], [1, 'iso87-ascii']]) {
  const packRatio = pack[index].rate / peerPackRate;
  const unpackRatio = unpack[index].rate / peerUnpackRate;
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  console.log(`  ${name}: pack ${packRatio.toFixed(1)}× the peer (${verdict(packRatio >= 3)}), unpack ${unpackRatio.toFixed(1)}× (${verdict(unpackRatio >= 3)}), ${Math.round(unpack[index].rate).toLocaleString('en-US')} unpacks/s (${verdict(unpack[index].rate >= 200_000)})`);
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results));
