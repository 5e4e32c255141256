import { blockAlgorithms, keyCheckValue, kcvMethods, toHex } from '../../../../lib/crypto/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

export const kcvOps: readonly OpSpec[] = [
  defineOp({
    name: 'kcv',
    summary: 'Key check value: DES/TDES encrypt a zero block; AES/SM4 take the CMAC of a zero block.',
    args: {
      algorithm: { kind: 'enum', choices: blockAlgorithms, required: true, description: 'des, tdes, aes or sm4' },
      key: { kind: 'hex', required: true, description: 'the clear key' },
      length: { kind: 'int', min: 2, max: 8, description: 'check value length in bytes (default 3)' },
      method: { kind: 'enum', choices: kcvMethods, description: 'encrypt-zeros (default for DES/TDES) or cmac (default for AES/SM4)' },
    },
    results: { kcv: 'the key check value, hex' },
    examples: [
      { title: 'TDES double-length key', args: { algorithm: 'tdes', key: '0123456789ABCDEFFEDCBA9876543210' }, result: { kcv: '08D7B4' } },
      {
        title: 'AES-128 key, CMAC method, 5 bytes',
        args: { algorithm: 'aes', key: '2B7E151628AED2A6ABF7158809CF4F3C', length: 5 },
        result: { kcv: '7AD386C376' },
      },
    ],
    run: (args) => ({
      kcv: toHex(
        keyCheckValue(args.algorithm, args.key, {
          ...(args.length === undefined ? {} : { lengthBytes: args.length }),
          ...(args.method === undefined ? {} : { method: args.method }),
        }),
      ),
    }),
  }),
];
