import {
  adjustOddParity,
  blockAlgorithms,
  decryptCbc,
  decryptEcb,
  encryptCbc,
  encryptEcb,
  isOddParity,
  toHex,
  type BlockAlgorithm,
} from '../../../../lib/crypto/index.js';
import { BastionError } from '../../../../lib/errors/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const cipherArgs = {
  algorithm: { kind: 'enum', choices: blockAlgorithms, required: true, description: 'des, tdes (16 or 24-byte key), aes (16/24/32) or sm4' },
  mode: { kind: 'enum', choices: ['ecb', 'cbc'], description: 'ecb (default) or cbc; no padding is added in either' },
  key: { kind: 'hex', required: true, description: 'the clear key' },
  data: { kind: 'hex', required: true, description: 'whole blocks (8 bytes for DES/TDES, 16 for AES/SM4)' },
  iv: { kind: 'hex', description: 'CBC only: one block (default zeros)' },
} as const;

function run(direction: 'encrypt' | 'decrypt', args: { algorithm: BlockAlgorithm; mode?: string; key: Buffer; data: Buffer; iv?: Buffer }): Buffer {
  if (args.mode !== 'cbc' && args.iv !== undefined) {
    throw new BastionError('CLI_ERR_ARGUMENT_INVALID', 'iv: only CBC mode takes an IV', { argument: 'iv' });
  }
  if (args.mode === 'cbc') return direction === 'encrypt' ? encryptCbc(args.algorithm, args.key, args.data, args.iv) : decryptCbc(args.algorithm, args.key, args.data, args.iv);
  return direction === 'encrypt' ? encryptEcb(args.algorithm, args.key, args.data) : decryptEcb(args.algorithm, args.key, args.data);
}

export const cipherOps: readonly OpSpec[] = [
  defineOp({
    name: 'encrypt',
    summary: 'Encrypt whole blocks with DES, TDES, AES or SM4 in ECB or CBC mode, without padding.',
    args: cipherArgs,
    results: { data: 'the ciphertext, hex' },
    examples: [
      {
        title: 'SM4, GB/T 32907 example 1',
        args: { algorithm: 'sm4', key: '0123456789ABCDEFFEDCBA9876543210', data: '0123456789ABCDEFFEDCBA9876543210' },
        result: { data: '681EDF34D206965E86B3E94F536E4246' },
      },
      {
        title: 'AES-128 CBC, NIST SP 800-38A F.2.1 first block',
        args: { algorithm: 'aes', mode: 'cbc', key: '2B7E151628AED2A6ABF7158809CF4F3C', data: '6BC1BEE22E409F96E93D7E117393172A', iv: '000102030405060708090A0B0C0D0E0F' },
        result: { data: '7649ABAC8119B246CEE98E9B12E9197D' },
      },
    ],
    run: (args) => ({ data: toHex(run('encrypt', args)) }),
  }),
  defineOp({
    name: 'decrypt',
    summary: 'Decrypt whole blocks with DES, TDES, AES or SM4 in ECB or CBC mode, without padding.',
    args: cipherArgs,
    results: { data: 'the plaintext, hex' },
    examples: [
      {
        title: 'DES, FIPS 81 "Now is t"',
        args: { algorithm: 'des', key: '0123456789ABCDEF', data: '3FA40E8A984D4815' },
        result: { data: '4E6F772069732074' },
      },
    ],
    run: (args) => ({ data: toHex(run('decrypt', args)) }),
  }),
  defineOp({
    name: 'parity',
    summary: 'Check a DES / TDES key for odd parity, and give the parity-adjusted key.',
    args: { key: { kind: 'hex', required: true, description: 'the key, any length' } },
    results: { oddParity: 'true when every byte already has odd parity', adjustedKey: 'the key with each byte\'s low bit set for odd parity, hex' },
    examples: [
      { args: { key: '0000000000000000FFFFFFFFFFFFFFFF' }, result: { oddParity: false, adjustedKey: '0101010101010101FEFEFEFEFEFEFEFE' } },
      { args: { key: '0123456789ABCDEFFEDCBA9876543210' }, result: { oddParity: true, adjustedKey: '0123456789ABCDEFFEDCBA9876543210' } },
    ],
    run: (args) => ({ oddParity: isOddParity(args.key), adjustedKey: toHex(adjustOddParity(args.key)) }),
  }),
];
