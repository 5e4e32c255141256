import {
  assertKeyLength,
  blockAlgorithms,
  combineKeyComponents,
  generateKey,
  keyCheckValue,
  splitKey,
  toHex,
  type BlockAlgorithm,
} from '../../../../lib/crypto/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const algorithm = { kind: 'enum', choices: blockAlgorithms, required: true, description: 'des, tdes, aes or sm4' } as const;
const kcvLength = { kind: 'int', min: 2, max: 8, description: 'check value length in bytes (default 3)' } as const;

function componentKcv(alg: BlockAlgorithm, component: Buffer, index: number, length: number | undefined): Buffer {
  assertKeyLength(alg, component, `components[${index}]`);
  return keyCheckValue(alg, component, kcvOptions(length));
}

function kcvOptions(length: number | undefined): { lengthBytes?: number } {
  return length === undefined ? {} : { lengthBytes: length };
}

export const keyOps: readonly OpSpec[] = [
  defineOp({
    name: 'key.generate',
    summary: 'Generate a random key from the system CSPRNG (DES/TDES keys get odd parity).',
    args: {
      algorithm,
      length: { kind: 'int', min: 8, max: 32, required: true, description: 'key length in bytes (DES 8, TDES 16/24, AES 16/24/32, SM4 16)' },
      kcvLength,
    },
    results: { key: 'the new clear key, hex', kcv: 'its key check value' },
    examples: [{ args: { algorithm: 'tdes', length: 16 }, result: { key: '…', kcv: '…' }, random: true }],
    run: (args) => {
      const generated = generateKey(args.algorithm, args.length, { kcv: kcvOptions(args.kcvLength) });
      return { key: toHex(generated.key), kcv: toHex(generated.kcv) };
    },
  }),
  defineOp({
    name: 'key.split',
    summary: 'Split a key into N random components whose XOR is the key, each with its KCV.',
    args: {
      algorithm,
      key: { kind: 'hex', required: true, description: 'the clear key to split' },
      count: { kind: 'int', min: 2, max: 9, required: true, description: 'number of components, 2 to 9' },
      kcvLength,
    },
    results: {
      components: 'list of {component, kcv}: each component in hex with its check value',
      kcv: 'check value of the whole key',
    },
    examples: [
      {
        args: { algorithm: 'tdes', key: '0123456789ABCDEFFEDCBA9876543210', count: 3 },
        result: { components: [{ component: '…', kcv: '…' }], kcv: '08D7B4' },
        random: true,
      },
    ],
    run: (args) => {
      const parts = splitKey(args.algorithm, args.key, args.count, { kcv: kcvOptions(args.kcvLength) });
      const whole = combineKeyComponents(
        args.algorithm,
        parts.map((part) => part.key),
        kcvOptions(args.kcvLength),
      );
      return { components: parts.map((part) => ({ component: toHex(part.key), kcv: toHex(part.kcv) })), kcv: toHex(whole.kcv) };
    },
  }),
  defineOp({
    name: 'key.combine',
    summary: 'Combine key components by XOR (DES/TDES results are parity-adjusted); shows each KCV.',
    args: {
      algorithm,
      components: { kind: 'hex-list', required: true, description: 'the components: repeat the flag, or separate with commas; a JSON array in batch mode' },
      kcvLength,
    },
    results: { key: 'the combined clear key, hex', kcv: 'its check value', componentKcvs: 'the check value of each component, in input order' },
    examples: [
      {
        args: { algorithm: 'tdes', components: ['0123456789ABCDEF0123456789ABCDEF', 'FEDCBA9876543210FEDCBA9876543210'] },
        result: { key: 'FEFEFEFEFEFEFEFEFEFEFEFEFEFEFEFE', kcv: 'CAAAAF', componentKcvs: ['D5D44F', 'A68CDC'] },
      },
    ],
    run: (args) => {
      const combined = combineKeyComponents(args.algorithm, args.components, kcvOptions(args.kcvLength));
      const componentKcvs = args.components.map((component, index) =>
        toHex(componentKcv(args.algorithm, component, index, args.kcvLength)),
      );
      return { key: toHex(combined.key), kcv: toHex(combined.kcv), componentKcvs };
    },
  }),
];
