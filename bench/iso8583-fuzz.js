// `node bench/iso8583.js --fuzz N` — N fuzz cases against MessageCodec.unpack for every shipped spec
// (split evenly), far more than the test run's few thousand. Inputs: valid messages built from each
// spec's field definitions, then mutated (bit flips, byte replacement, truncation, extension,
// splices, length-prefix and bitmap damage), and random bytes. The contract checked on every case:
// unpack throws only a BastionError with an ISO_ERR_* code and a `field` detail, or returns a
// message that packs back to exactly the input. Prints counts by outcome and the rate. A seed
// (--seed S, default random) makes a run repeatable. Needs `npm run build` first.
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { BastionError } from '../dist/lib/errors/index.js';
import * as iso from '../dist/lib/iso8583/index.js';
import { ByteWriter } from '../dist/lib/iso8583/codec/cursor.js';

/** xorshift32: a small repeatable generator, so a failing case can be replayed from its seed. */
function generator(seed) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const below = (n) => next() % n;
  return { next, below, chance: (p) => next() / 0x1_0000_0000 < p };
}

const digits = '0123456789';
const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
// Printable characters the codec's EBCDIC table has no code for.
const ebcdicUnmapped = '[\\]^{}~';
const charsets = {
  n: digits,
  xn: digits,
  z: `${digits}=`,
  an: `${letters}${digits} `,
  ans: printable,
  ansEbcdic: [...printable].filter((c) => !ebcdicUnmapped.includes(c)).join(''),
};

function text(random, type, ebcdic, count) {
  const set = type === 'ans' && ebcdic ? charsets.ansEbcdic : charsets[type];
  let out = '';
  for (let i = 0; i < count; i++) out += set[random.below(set.length)];
  return out;
}

function unitCount(random, spec) {
  if (spec.prefix === undefined) return spec.length;
  if (spec.length <= 999 && random.chance(0.1)) return spec.length;
  return random.below(Math.min(spec.length, 40) + 1);
}

/** A composite value: required sub-fields, a run of optional ones, filling a fixed parent exactly. */
function composite(random, spec) {
  const subs = spec.subfields;
  const ebcdic = spec.encoding === 'ebcdic';
  const required = subs.filter((sub) => sub.optional !== true).length;
  const layouts = [];
  for (let present = required; present <= subs.length; present++) {
    const chosen = subs.slice(0, present);
    const last = chosen[chosen.length - 1];
    const fixedPart = chosen.reduce((sum, sub) => sum + (sub.variable === true ? 0 : sub.length), 0);
    if (last?.variable === true) {
      const room = spec.length - fixedPart;
      const min = spec.prefix === undefined ? room : 1;
      const max = spec.prefix === undefined ? room : Math.min(last.length, room);
      if (min >= 1 && min <= last.length && max >= min) layouts.push({ present, min, max });
    } else if (spec.prefix === undefined ? fixedPart === spec.length : fixedPart <= spec.length) {
      layouts.push({ present, min: 0, max: 0 });
    }
  }
  const layout = layouts[random.below(layouts.length)];
  const value = {};
  subs.slice(0, layout.present).forEach((sub) => {
    const length = sub.variable === true ? layout.min + random.below(layout.max - layout.min + 1) : sub.length;
    value[sub.key] = text(random, spec.type, ebcdic, length);
  });
  return value;
}

function fieldValue(random, spec) {
  if (spec.subfields !== undefined) return composite(random, spec);
  const count = unitCount(random, spec);
  if (spec.type === 'b') {
    const bytes = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) bytes[i] = random.below(256);
    return bytes;
  }
  const body = text(random, spec.type, spec.encoding === 'ebcdic', count);
  return spec.type === 'xn' ? (random.chance(0.5) ? 'C' : 'D') + body : body;
}

function validMessage(random, spec, fields) {
  const message = new iso.IsoMessage(spec, text(random, 'n', false, 4));
  const density = [0.05, 0.2, 0.5, 0.9][random.below(4)];
  const primaryOnly = random.chance(0.25);
  for (const field of fields) {
    if (primaryOnly && field > 64) continue;
    if (random.chance(density)) message.set(field, fieldValue(random, spec.fields[field]));
  }
  return message;
}

function prefixBytes(spec) {
  if (spec.prefix === undefined) return 0;
  const count = spec.prefix === 'LL' ? 2 : 3;
  return spec.prefixEncoding === 'ascii' || spec.prefixEncoding === 'ebcdic' ? count : count - 1;
}

/** Offsets of the bitmap and of each field's length prefix in `pack(message)`. */
function layoutOf(codec, message) {
  const mtiBytes = codec.spec.mti.encoding === 'bcd' ? 2 : 4;
  const numbers = message.fieldNumbers();
  const bitmapBytes = (numbers.some((field) => field > 64) ? 16 : 8) * (codec.spec.bitmap.encoding === 'binary' ? 1 : 2);
  let offset = mtiBytes + bitmapBytes;
  const prefixes = [];
  for (const field of numbers) {
    const fieldCodec = codec.fieldCodec(field);
    const writer = new ByteWriter(16);
    fieldCodec.pack(message.valueAt(field), writer);
    const size = prefixBytes(fieldCodec.spec);
    if (size > 0) prefixes.push({ offset, size, encoding: fieldCodec.spec.prefixEncoding });
    offset += writer.length;
  }
  return { mtiBytes, bitmapBytes, prefixes };
}

function writeCount(bytes, prefix, count) {
  for (let i = prefix.size - 1, rest = count; i >= 0; i--) {
    const at = prefix.offset + i;
    if (at >= bytes.length) continue;
    if (prefix.encoding === 'binary') {
      bytes[at] = rest & 0xff;
      rest >>= 8;
    } else if (prefix.encoding === 'bcd') {
      bytes[at] = ((Math.floor(rest / 10) % 10) << 4) | rest % 10;
      rest = Math.floor(rest / 100);
    } else {
      bytes[at] = (prefix.encoding === 'ascii' ? 0x30 : 0xf0) + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }
}

const mutations = ['bit-flip', 'byte-replace', 'truncate', 'extend', 'splice', 'length-prefix', 'bitmap'];

function mutate(random, packed, layout) {
  let bytes = Buffer.from(packed);
  const rounds = 1 + random.below(3);
  for (let round = 0; round < rounds; round++) {
    const at = bytes.length === 0 ? 0 : random.below(bytes.length);
    switch (mutations[random.below(mutations.length)]) {
      case 'bit-flip':
        if (bytes.length > 0) bytes[at] ^= 1 << random.below(8);
        break;
      case 'byte-replace':
        if (bytes.length > 0) bytes[at] = random.below(256);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'extend':
        bytes = Buffer.concat([bytes, Buffer.from(Array.from({ length: 1 + random.below(24) }, () => random.below(256)))]);
        break;
      case 'splice':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: random.below(12) }, () => random.below(256))), bytes.subarray(Math.min(bytes.length, at + random.below(8)))]);
        break;
      case 'length-prefix': {
        if (layout.prefixes.length === 0) break;
        const prefix = layout.prefixes[random.below(layout.prefixes.length)];
        if (random.chance(0.3)) {
          const index = prefix.offset + random.below(prefix.size);
          if (index < bytes.length) bytes[index] = random.below(256);
        } else writeCount(bytes, prefix, random.chance(0.5) ? random.below(4) : random.below(1000));
        break;
      }
      case 'bitmap': {
        const index = layout.mtiBytes + random.below(layout.bitmapBytes);
        if (index < bytes.length) bytes[index] = random.chance(0.3) ? random.below(256) : bytes[index] ^ (1 << random.below(8));
        break;
      }
    }
  }
  return bytes;
}

function randomInput(random, codec, message, layout) {
  const kind = random.below(3);
  const length = kind === 0 ? random.below(64) : random.below(600);
  const tail = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) tail[i] = random.below(256);
  if (kind < 2) return tail;
  // Random bytes behind a real MTI and bitmap, so the field codecs see them.
  return Buffer.concat([codec.pack(message).subarray(0, layout.mtiBytes + layout.bitmapBytes), tail]);
}

/** Checks one case; returns its outcome, or a description of a broken contract. */
function outcome(codec, bytes) {
  let message;
  try {
    message = codec.unpack(bytes);
  } catch (error) {
    if (!(error instanceof BastionError)) return { violation: `threw ${String(error)}` };
    if (!error.code.startsWith('ISO_ERR_')) return { violation: `threw ${error.code}` };
    if (typeof error.details.field !== 'string' || error.details.field === '') return { violation: `threw ${error.code} without a field detail` };
    return { code: error.code };
  }
  let repacked;
  try {
    repacked = codec.pack(message);
  } catch (error) {
    return { violation: `accepted, then pack threw ${String(error)}` };
  }
  return repacked.equals(bytes) ? { code: 'accepted' } : { violation: 'accepted, then packed to different bytes' };
}

function shippedSpecs() {
  const byName = new Map();
  const candidates = [...Object.values(iso), ...Object.values(iso.specs ?? {})];
  for (const value of candidates) {
    if (value && typeof value === 'object' && typeof value.name === 'string' && value.mti && value.bitmap && value.fields && !byName.has(value.name)) byName.set(value.name, value);
  }
  return [...byName.values()];
}

/** Runs `total` cases; prints the tally; returns whether the contract held on every case. */
export function runFuzz(total) {
  const seedAt = process.argv.indexOf('--seed');
  const seed = seedAt >= 0 ? Number.parseInt(process.argv[seedAt + 1] ?? '', 10) >>> 0 : randomInt(1, 0x7fff_ffff);
  const specs = shippedSpecs();
  console.log(`ISO 8583 unpack fuzzing — node ${process.version}, ${total.toLocaleString('en-US')} cases over ${specs.length} specs (${specs.map((s) => s.name).join(', ')}), seed ${seed}`);
  let ok = true;
  const overall = new Map();
  const started = performance.now();
  let unpackMs = 0;
  for (const [index, spec] of specs.entries()) {
    const random = generator(seed + index * 7919);
    const codec = new iso.MessageCodec(spec);
    const fields = Object.keys(spec.fields).map(Number).sort((a, b) => a - b);
    const cases = Math.floor(total / specs.length) + (index < total % specs.length ? 1 : 0);
    const counts = new Map();
    const violations = [];
    for (let i = 0; i < cases; i++) {
      const message = validMessage(random, spec, fields);
      const layout = layoutOf(codec, message);
      const bytes = random.chance(0.8) ? mutate(random, codec.pack(message), layout) : randomInput(random, codec, message, layout);
      const t = performance.now();
      const result = outcome(codec, bytes);
      unpackMs += performance.now() - t;
      if (result.violation !== undefined) {
        if (violations.length < 5) violations.push(`${result.violation}: ${bytes.toString('hex')}`);
        counts.set('CONTRACT BROKEN', (counts.get('CONTRACT BROKEN') ?? 0) + 1);
        continue;
      }
      counts.set(result.code, (counts.get(result.code) ?? 0) + 1);
      overall.set(result.code, (overall.get(result.code) ?? 0) + 1);
    }
    const line = [...counts].sort((a, b) => b[1] - a[1]).map(([code, count]) => `${code} ${count.toLocaleString('en-US')}`).join(', ');
    console.log(`  ${spec.name.padEnd(26)} ${cases.toLocaleString('en-US').padStart(9)} cases: ${line}`);
    for (const violation of violations) console.log(`    ${violation}`);
    if (violations.length > 0) ok = false;
  }
  const seconds = (performance.now() - started) / 1000;
  const totalLine = [...overall].sort((a, b) => b[1] - a[1]).map(([code, count]) => `${code} ${count.toLocaleString('en-US')}`).join(', ');
  console.log(`  all specs: ${totalLine}`);
  console.log(
    `  ${total.toLocaleString('en-US')} cases in ${seconds.toFixed(1)} s: ${Math.round(total / seconds).toLocaleString('en-US')} cases/s with generation; unpack + check alone ${Math.round(total / (unpackMs / 1000)).toLocaleString('en-US')}/s`,
  );
  console.log(ok ? '  contract held on every case' : '  CONTRACT BROKEN (cases above; replay with --seed)');
  return ok;
}
