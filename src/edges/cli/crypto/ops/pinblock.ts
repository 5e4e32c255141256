import {
  decodePinBlock,
  decryptPinBlock,
  encodePinBlock,
  encryptPinBlock,
  toHex,
  translatePinBlock,
  type PinBlockFillOptions,
} from '../../../../lib/crypto/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const formatsText = '0 (ANSI X9.8, PAN-bound, fill F), 1 (no PAN, random fill), 2 (IC card offline, fill F), 3 (PAN-bound, random fill A–F)';
const format4Text = '4 (ISO 9564-1:2017, AES, 16 bytes)';

const clearFormat = { kind: 'int', min: 0, max: 3, required: true, description: `PIN block format: ${formatsText}` } as const;
const anyFormat = { kind: 'int', min: 0, max: 4, required: true, description: `PIN block format: ${formatsText}, ${format4Text}` } as const;
const pin = { kind: 'digits', required: true, description: 'the clear PIN, 4 to 12 digits' } as const;
const pan = {
  kind: 'digits',
  description: 'the full PAN with its check digit, 12 to 19 digits; required for formats 0, 3 and 4, ignored by formats 1 and 2',
} as const;
const fill = {
  kind: 'hex',
  description:
    '8 bytes of fill for reproducible results (random when omitted): formats 1 and 3 take their fill digits from its rightmost 14 − N nibbles (A–F for format 3); format 4 uses it as the random half of the PIN field; formats 0 and 2 refuse it',
} as const;
const encryptedPinBlock = { kind: 'hex', required: true, description: 'the enciphered PIN block: 8 bytes for formats 0–3, 16 for format 4' } as const;
const keyText = 'the clear PIN encryption key: DES / TDES (8, 16 or 24 bytes) for formats 0–3, AES (16, 24 or 32 bytes) for format 4';

function fillOptions(value: Buffer | undefined): PinBlockFillOptions {
  return value === undefined ? {} : { fill: value };
}

export const pinblockOps: readonly OpSpec[] = [
  defineOp({
    name: 'pinblock.encode',
    summary: 'Build a clear ISO 9564-1 PIN block of format 0, 1, 2 or 3.',
    args: { format: clearFormat, pin, pan, fill },
    results: { pinBlock: 'the clear 8-byte PIN block, hex' },
    examples: [
      {
        title: 'format 0, 17-digit PAN (EFTlab ISO-0 example)',
        args: { format: 0, pin: '1234', pan: '43219876543210987' },
        result: { pinBlock: '0412AC89ABCDEF67' },
      },
      {
        title: 'format 3 with the fill of the IBM CCA ISO-3 example',
        args: { format: 3, pin: '123456', pan: '1112223334445559', fill: 'AAAAAAAAAFBECDDC' },
        result: { pinBlock: '361216759CFA8889' },
      },
      { title: 'format 2, 12-digit PIN (psec test vector)', args: { format: 2, pin: '123456789012' }, result: { pinBlock: '2C123456789012FF' } },
      { title: 'format 1 with random fill', args: { format: 1, pin: '1234' }, result: { pinBlock: '…' }, random: true },
    ],
    run: (args) => ({ pinBlock: toHex(encodePinBlock(args.format, args.pin, args.pan, fillOptions(args.fill))) }),
  }),
  defineOp({
    name: 'pinblock.decode',
    summary: 'Read the PIN from a clear format 0–3 PIN block, checking the control field, length, digits and fill.',
    args: {
      format: clearFormat,
      pinBlock: { kind: 'hex', required: true, description: 'the clear 8-byte PIN block' },
      pan,
    },
    results: { pin: 'the PIN' },
    examples: [
      {
        title: 'format 0, 12-digit PIN (psec test vector)',
        args: { format: 0, pinBlock: '0C1261032D8226A9', pan: '5555555551234567' },
        result: { pin: '123456789012' },
      },
    ],
    run: (args) => ({ pin: decodePinBlock(args.format, args.pinBlock, args.pan) }),
  }),
  defineOp({
    name: 'pinblock.encrypt',
    summary: 'Build and encipher a PIN block: formats 0–3 under DES / TDES, format 4 under AES (encipher, XOR the PAN field, encipher).',
    args: { format: anyFormat, key: { kind: 'hex', required: true, description: keyText }, pin, pan, fill },
    results: { encryptedPinBlock: 'the enciphered PIN block, hex (8 bytes for formats 0–3, 16 for format 4)' },
    examples: [
      {
        title: 'format 0 under a TDES key (isosim test, checked against the neapay calculator)',
        args: { format: 0, key: 'AB9292288227277226252525224665FE', pin: '1234', pan: '4356876509876788' },
        result: { encryptedPinBlock: 'B4BF8522DFFB6FFB' },
      },
      {
        title: 'format 4 under AES-128 with a fixed random half (psec test vector)',
        args: { format: 4, key: '00112233445566778899AABBCCDDEEFF', pin: '1234', pan: '1234567890123456789', fill: 'FFFFFFFFFFFFFFFF' },
        result: { encryptedPinBlock: '28B41FDDD29B743E93124BD8E32D921E' },
      },
    ],
    run: (args) => ({ encryptedPinBlock: toHex(encryptPinBlock(args.format, args.key, args.pin, args.pan, fillOptions(args.fill))) }),
  }),
  defineOp({
    name: 'pinblock.decrypt',
    summary: 'Decipher a PIN block and read the PIN, checking every rule of the format (a wrong key or PAN fails the checks).',
    args: { format: anyFormat, key: { kind: 'hex', required: true, description: keyText }, encryptedPinBlock, pan },
    results: { pin: 'the PIN' },
    examples: [
      {
        title: 'format 4 (ep2 EFT/POS 2000 Security Specification 8.0.0, 8.4)',
        args: { format: 4, key: 'C1D0F8FB4958670DBA40AB1F3752EF0D', encryptedPinBlock: 'CC17F65586BFD0953010226C4FC5B3CA', pan: '432198765432109870' },
        result: { pin: '1234' },
      },
    ],
    run: (args) => ({ pin: decryptPinBlock(args.format, args.key, args.encryptedPinBlock, args.pan) }),
  }),
  defineOp({
    name: 'pinblock.translate',
    summary:
      'Re-encipher a PIN block from one key and format to another, checking the source block on the way. Any pair of formats 0–4 is accepted; PCI PIN forbids PAN-bound to unbound (0/3/4 → 1/2) in production HSMs.',
    args: {
      sourceFormat: { ...anyFormat, description: `format of the incoming block: ${formatsText}, ${format4Text}` },
      sourceKey: { kind: 'hex', required: true, description: `the key of the incoming block; ${keyText}` },
      targetFormat: { ...anyFormat, description: 'format of the outgoing block, 0 to 4' },
      targetKey: { kind: 'hex', required: true, description: 'the key of the outgoing block (same rules as sourceKey)' },
      encryptedPinBlock: { ...encryptedPinBlock, description: 'the incoming enciphered PIN block' },
      pan: { ...pan, description: 'the full PAN with its check digit; required when either format is 0, 3 or 4' },
      fill: { ...fill, description: `fill for the target format; ${fill.description}` },
    },
    results: { encryptedPinBlock: 'the PIN block under the target key and format, hex' },
    examples: [
      {
        title: 'format 0 TDES → format 0 TDES (zone translation)',
        args: {
          sourceFormat: 0,
          sourceKey: 'AB9292288227277226252525224665FE',
          targetFormat: 0,
          targetKey: '0123456789ABCDEFFEDCBA9876543210',
          encryptedPinBlock: 'B4BF8522DFFB6FFB',
          pan: '4356876509876788',
        },
        result: { encryptedPinBlock: '9CBBC59480E86283' },
      },
      {
        title: 'format 4 AES (ep2 vector) → format 0 TDES',
        args: {
          sourceFormat: 4,
          sourceKey: 'C1D0F8FB4958670DBA40AB1F3752EF0D',
          targetFormat: 0,
          targetKey: 'AB9292288227277226252525224665FE',
          encryptedPinBlock: 'CC17F65586BFD0953010226C4FC5B3CA',
          pan: '432198765432109870',
        },
        result: { encryptedPinBlock: 'AD9D8C33AD925259' },
      },
    ],
    run: (args) => ({
      encryptedPinBlock: toHex(
        translatePinBlock(
          { format: args.sourceFormat, key: args.sourceKey },
          { format: args.targetFormat, key: args.targetKey },
          args.encryptedPinBlock,
          args.pan,
          fillOptions(args.fill),
        ),
      ),
    }),
  }),
];
