import { cvv, ibm3624Offset, isLuhnValid, luhnCheckDigit, pvv } from '../../../../lib/crypto/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const pan = { kind: 'digits', required: true, description: 'the full PAN with its check digit, 12 to 19 digits' } as const;

export const cardOps: readonly OpSpec[] = [
  defineOp({
    name: 'cvv',
    summary:
      'Visa CVV / Mastercard CVC from a double-length CVK. CVV2 / CVC2 use service code 000, iCVV / chip CVC use 999, the magnetic stripe its own service code.',
    args: {
      cvk: { kind: 'hex', required: true, description: 'the card verification key: key A then key B, 16 bytes' },
      pan,
      expiry: { kind: 'text', required: true, description: 'expiry date YYMM, 4 digits (as the card issuer computes it)' },
      serviceCode: { kind: 'text', required: true, description: 'service code, 3 digits (000 for CVV2, 999 for iCVV)' },
    },
    results: { cvv: 'the three-digit card verification value' },
    examples: [
      {
        title: 'the Visa example card (e6tech Atalla simulator test)',
        args: { cvk: '0123456789ABCDEFFEDCBA9876543210', pan: '4123456789012345', expiry: '8701', serviceCode: '101' },
        result: { cvv: '561' },
      },
      {
        title: 'psec generate_cvv example',
        args: { cvk: '0123456789ABCDEFFEDCBA9876543210', pan: '1234567890123456', expiry: '9912', serviceCode: '220' },
        result: { cvv: '170' },
      },
    ],
    run: (args) => ({ cvv: cvv(args.cvk, args.pan, args.expiry, args.serviceCode) }),
  }),
  defineOp({
    name: 'pvv',
    summary: 'Visa PIN verification value: the 11 PAN digits before the check digit, the PVKI and 4 PIN digits enciphered under the PVK and decimalised.',
    args: {
      pvk: { kind: 'hex', required: true, description: 'the PIN verification key, double-length TDES (16 bytes)' },
      pvki: { kind: 'text', required: true, description: 'PIN verification key index, one digit (Visa uses 1 to 6)' },
      pan,
      pin: { kind: 'digits', required: true, description: 'the clear PIN, 4 to 12 digits (its 4 leftmost digits are used)' },
    },
    results: { pvv: 'the four-digit PIN verification value' },
    examples: [
      {
        title: 'psec test vector',
        args: { pvk: '0123456789ABCDEFFEDCBA9876543210', pvki: '1', pan: '1122334455667788', pin: '4524' },
        result: { pvv: '8523' },
      },
    ],
    run: (args) => ({ pvv: pvv(args.pvk, args.pvki, args.pan, args.pin) }),
  }),
  defineOp({
    name: 'pin-offset',
    summary: 'IBM 3624 PIN offset: the digit-wise (PIN − natural PIN) mod 10, where the natural PIN is the decimalised encipherment of the validation data.',
    args: {
      pvk: { kind: 'hex', required: true, description: 'the PIN verification key: DES or TDES (8, 16 or 24 bytes)' },
      validationData: {
        kind: 'text',
        required: true,
        description: 'validation data, 1 to 16 hex characters (usually PAN digits), right-padded with F to 16; give all 16 to use another pad',
      },
      decimalizationTable: { kind: 'text', required: true, description: '16 decimal digits: the digit for each hex value 0–F' },
      pin: { kind: 'digits', required: true, description: 'the customer PIN, 4 to 12 digits; its length is the offset length' },
    },
    results: { offset: 'the PIN offset, as many digits as the PIN' },
    examples: [
      {
        title: 'psec test vector',
        args: { pvk: '0123456789ABCDEFFEDCBA9876543210', validationData: '1122334455667788', decimalizationTable: '1234567890123456', pin: '1234' },
        result: { offset: '7710' },
      },
    ],
    run: (args) => ({ offset: ibm3624Offset(args.pvk, args.validationData, args.decimalizationTable, args.pin) }),
  }),
  defineOp({
    name: 'luhn',
    summary: 'Luhn (mod 10) check digit of ISO/IEC 7812-1: check a PAN, or compute the digit to append.',
    args: {
      pan: { kind: 'digits', required: true, description: 'the digits: a full PAN to check, or a PAN without its check digit to compute one' },
      mode: { kind: 'enum', choices: ['check', 'compute'], description: 'check (default): is the last digit right? compute: the check digit to append' },
    },
    results: {
      valid: 'mode check only: true when the last digit is the Luhn check digit of the others',
      checkDigit: 'mode compute only: the check digit to append, one digit',
    },
    examples: [
      { title: 'check (Wikipedia example)', args: { pan: '79927398713' }, result: { valid: true } },
      { title: 'check a wrong number', args: { pan: '4111111111111112', mode: 'check' }, result: { valid: false } },
      { title: 'compute', args: { pan: '7992739871', mode: 'compute' }, result: { checkDigit: '3' } },
    ],
    run: (args) => (args.mode === 'compute' ? { checkDigit: luhnCheckDigit(args.pan) } : { valid: isLuhnValid(args.pan) }),
  }),
];
