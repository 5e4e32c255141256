import {
  Cmac,
  Iso9797Alg1Mac,
  RetailMac,
  UnionPayEcbMac,
  assertIso9797PaddingMethod,
  toHex,
  unionPayEcbVariants,
  type UnionPayEcbVariant,
} from '../../../../lib/crypto/index.js';
import { BastionError } from '../../../../lib/errors/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const macAlgorithms = ['iso9797-1-alg1', 'iso9797-1-alg3', 'aes-cmac', 'tdes-cmac', 'unionpay-ecb'] as const;
type MacAlgorithm = (typeof macAlgorithms)[number];

function notForAlgorithm(argument: string, algorithm: MacAlgorithm): BastionError {
  return new BastionError('CLI_ERR_ARGUMENT_INVALID', `${argument} does not apply to algorithm ${algorithm}`, { argument });
}

interface MacArgs {
  readonly algorithm: MacAlgorithm;
  readonly key: Buffer;
  readonly data: Buffer;
  readonly padding?: number;
  readonly variant?: UnionPayEcbVariant;
}

function computeMac(args: MacArgs): Buffer {
  const { algorithm, key, data } = args;
  const iso9797 = algorithm === 'iso9797-1-alg1' || algorithm === 'iso9797-1-alg3';
  if (!iso9797 && args.padding !== undefined) throw notForAlgorithm('padding', algorithm);
  if (algorithm !== 'unionpay-ecb' && args.variant !== undefined) throw notForAlgorithm('variant', algorithm);
  const padding = args.padding ?? 1;
  assertIso9797PaddingMethod(padding);
  switch (algorithm) {
    case 'iso9797-1-alg1':
      return new Iso9797Alg1Mac(alg1Cipher(key), key, { padding }).compute(data);
    case 'iso9797-1-alg3':
      return new RetailMac(key, { padding }).compute(data);
    case 'aes-cmac':
      return new Cmac('aes', key).compute(data);
    case 'tdes-cmac':
      return new Cmac('tdes', key).compute(data);
    case 'unionpay-ecb':
      return new UnionPayEcbMac(key, args.variant === undefined ? {} : { variant: args.variant }).compute(data);
  }
}

/** Algorithm 1 runs single DES with an 8-byte key and TDES with a 16- or 24-byte one. */
function alg1Cipher(key: Buffer): 'des' | 'tdes' {
  if (key.length === 8) return 'des';
  if (key.length === 16 || key.length === 24) return 'tdes';
  throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `key must be 8 (DES), 16 or 24 (TDES) bytes for ISO 9797-1 algorithm 1, got ${key.length}`, {
    argument: 'key',
    length: key.length,
  });
}

// "Now is the time for all " and "hello world" in hex, the data of the published examples.
const nowIsTheTimeForAll = '4E6F77206973207468652074696D6520666F7220616C6C20';
const helloWorld = '68656C6C6F20776F726C64';

export const macOps: readonly OpSpec[] = [
  defineOp({
    name: 'mac',
    summary: 'MAC of data: ISO 9797-1 algorithm 1 (CBC-MAC) or 3 (X9.19 retail MAC), AES or TDES CMAC, or the UnionPay POS "ECB" MAC of field 64.',
    args: {
      algorithm: {
        kind: 'enum',
        choices: macAlgorithms,
        required: true,
        description:
          'iso9797-1-alg1 (CBC-MAC: DES with an 8-byte key, TDES with 16/24), iso9797-1-alg3 (retail MAC, 16/24-byte key; a 24-byte key finishes with K3), aes-cmac, tdes-cmac, or unionpay-ecb (8- or 16-byte MAK)',
      },
      key: { kind: 'hex', required: true, description: 'the clear MAC key' },
      data: { kind: 'hex', required: true, description: 'the data to MAC (for unionpay-ecb: the message from the MTI to the end of field 63)' },
      padding: {
        kind: 'int',
        min: 1,
        max: 3,
        description: 'ISO 9797-1 padding method for iso9797-1-alg1 and -alg3: 1 zeros (default), 2 0x80 then zeros, 3 a bit-length block first',
      },
      variant: {
        kind: 'enum',
        choices: unionPayEcbVariants,
        description: 'unionpay-ecb with a 16-byte MAK: des-left (single DES with the left half, default) or tdes (TDES with the whole key)',
      },
    },
    results: {
      mac: 'the MAC, hex: the full cipher block (8 bytes for DES/TDES, 16 for AES; truncate as your protocol requires); for unionpay-ecb the 8 bytes field 64 carries, i.e. the ASCII codes of 8 hex characters',
    },
    examples: [
      {
        title: 'ISO 9797-1 algorithm 1 with DES: the ANSI X9.9 / ISO 9797-1 Annex B example',
        args: { algorithm: 'iso9797-1-alg1', key: '0123456789ABCDEF', data: nowIsTheTimeForAll },
        result: { mac: '70A30640CC76DD8B' },
      },
      {
        title: 'ISO 9797-1 algorithm 1 with TDES, padding method 2 (psec tests/test_mac.py)',
        args: { algorithm: 'iso9797-1-alg1', key: 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB', data: helloWorld, padding: 2 },
        result: { mac: '32DC341271ACCD00' },
      },
      {
        title: 'X9.19 retail MAC: ISO 9797-1:2011 Annex B.4, padding method 1',
        args: { algorithm: 'iso9797-1-alg3', key: '0123456789ABCDEFFEDCBA9876543210', data: nowIsTheTimeForAll },
        result: { mac: 'A1C72E74EA3FA9B6' },
      },
      {
        title: 'X9.19 retail MAC: ISO 9797-1:2011 Annex B.4, padding method 3',
        args: { algorithm: 'iso9797-1-alg3', key: '0123456789ABCDEFFEDCBA9876543210', data: nowIsTheTimeForAll, padding: 3 },
        result: { mac: 'AB059463D7A7D170' },
      },
      {
        title: 'AES-128 CMAC: RFC 4493 example 2',
        args: { algorithm: 'aes-cmac', key: '2B7E151628AED2A6ABF7158809CF4F3C', data: '6BC1BEE22E409F96E93D7E117393172A' },
        result: { mac: '070A16B46B4D4144F79BDD9DD04A287C' },
      },
      {
        title: 'Two-key TDES CMAC: NIST SP 800-38B D.5, 20-byte message',
        args: { algorithm: 'tdes-cmac', key: '4CF15134A2850DD58A3D10BA80570D38', data: '6BC1BEE22E409F96E93D7E117393172AAE2D8A57' },
        result: { mac: '62DD1B471902BD4E' },
      },
      {
        title: 'UnionPay POS MAC of a 0200 message; field 64 carries "B3A092AE" (q.cnblogs.com/q/128930)',
        args: {
          algorithm: 'unionpay-ecb',
          key: '0723C80DB5F4CD3D0723C80DB5F4CD3D',
          variant: 'tdes',
          data: '02003020048000C08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435F01123238343431323334353637383930313233345F03063136303033365F04063230303832365C023031',
        },
        result: { mac: '4233413039324145' },
      },
    ],
    run: (args) => {
      const macArgs: MacArgs = {
        algorithm: args.algorithm,
        key: args.key,
        data: args.data,
        ...(args.padding === undefined ? {} : { padding: args.padding }),
        ...(args.variant === undefined ? {} : { variant: args.variant }),
      };
      return { mac: toHex(computeMac(macArgs)) };
    },
  }),
];
