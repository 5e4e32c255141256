import { describeTr31Header, toHex, tr31Unwrap, tr31Wrap, type Tr31Header } from '../../../../lib/crypto/index.js';
import { defineOp, type OpSpec, type ResultValue } from '../op-spec.js';

// Known answers: ASC X9 TR-31-2018 Annex A.7.2.2 (version B), A.7.3.1 (version C with a KS
// optional block) and A.7.4 (version D), with the padding inside each published block.
const versionB = {
  kbpk: 'DD7515F2BFC17F85CE48F3CA25CB21F6',
  key: '3F419E1CB7079442AA37474C2EFBF8B8',
  padding: '1C2965473CE2',
  keyBlock: 'B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E',
};
const versionC = {
  kbpk: 'B8ED59E0A279A295E9F5ED7944FD06B9',
  key: 'EDB380DD340BC2620247D445F5B8D678',
  padding: '8546A8ED98D1',
  keyBlock: 'C0096B0TX12S0100KS1800604B120F9292800000BFB9B689CB567E66FC3FEE5AD5F52161FC6545B9D60989015D02155C',
};
const versionD = {
  kbpk: '88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6',
  key: '3F419E1CB7079442AA37474C2EFBF8B8',
  padding: '1C2965473CE206BB855B01533782',
  keyBlock: 'D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34',
};

function headerResult(header: Tr31Header): ResultValue {
  return {
    versionId: header.versionId,
    keyBlockLength: header.keyBlockLength,
    keyUsage: header.keyUsage,
    algorithm: header.algorithm,
    modeOfUse: header.modeOfUse,
    keyVersionNumber: header.keyVersionNumber,
    exportability: header.exportability,
    numberOfOptionalBlocks: header.numberOfOptionalBlocks,
    reserved: header.reserved,
    optionalBlocks: header.optionalBlocks.map((block) => ({ id: block.id, data: block.data })),
    meaning: { ...describeTr31Header(header) },
  };
}

const kbpk = {
  kind: 'hex',
  required: true,
  description: 'the key block protection key: TDES, 16 or 24 bytes, for versions A, B, C; AES, 16, 24 or 32 bytes, for version D',
} as const;

export const tr31Ops: readonly OpSpec[] = [
  defineOp({
    name: 'tr31.wrap',
    summary: 'Wrap a key into a TR-31 / ANSI X9.143 key block, version A, B, C or D.',
    args: {
      kbpk,
      header: {
        kind: 'text',
        required: true,
        description:
          'the header, e.g. B0000P0TE00N0000, optionally followed by its optional blocks; the 4-digit length is recomputed and a PB padding block added or resized as the version needs',
      },
      key: { kind: 'hex', required: true, description: 'the clear key to wrap' },
      padding: {
        kind: 'hex',
        description:
          'the exact padding for a reproducible block: 2 + key length + padding must be a multiple of 8 bytes (A, B, C) or 16 (D). Default: fresh random padding that hides the key length (TDES keys padded as 24 bytes, AES as 32)',
      },
    },
    results: { keyBlock: 'the key block: header, then encrypted key field and MAC in hex' },
    examples: [
      {
        title: 'version B (TR-31-2018 A.7.2.2)',
        args: { kbpk: versionB.kbpk, header: 'B0000P0TE00E0000', key: versionB.key, padding: versionB.padding },
        result: { keyBlock: versionB.keyBlock },
      },
      {
        title: 'version C with an initial key serial number block (TR-31-2018 A.7.3.1)',
        args: { kbpk: versionC.kbpk, header: 'C0000B0TX12S0100KS1800604B120F9292800000', key: versionC.key, padding: versionC.padding },
        result: { keyBlock: versionC.keyBlock },
      },
      {
        title: 'version D, AES-256 KBPK (TR-31-2018 A.7.4)',
        args: { kbpk: versionD.kbpk, header: 'D0000P0AE00E0000', key: versionD.key, padding: versionD.padding },
        result: { keyBlock: versionD.keyBlock },
      },
      {
        title: 'version D with random padding',
        args: { kbpk: versionD.kbpk, header: 'D0000P0AE00E0000', key: versionD.key },
        result: { keyBlock: '…' },
        random: true,
      },
    ],
    run: (args) => ({
      keyBlock: tr31Wrap(args.kbpk, args.header, args.key, args.padding === undefined ? {} : { padding: args.padding }),
    }),
  }),
  defineOp({
    name: 'tr31.unwrap',
    summary: 'Verify a TR-31 / ANSI X9.143 key block (version A, B, C or D) and return its key and parsed header; the MAC is checked before anything inside is used.',
    args: {
      kbpk,
      keyBlock: { kind: 'text', required: true, description: 'the key block' },
    },
    results: {
      key: 'the clear key, hex',
      header:
        'the parsed header: versionId, keyBlockLength, keyUsage, algorithm, modeOfUse, keyVersionNumber, exportability, numberOfOptionalBlocks, reserved, optionalBlocks (list of {id, data}, the padding block PB included) and meaning (the standard names of keyUsage, algorithm, modeOfUse and exportability)',
    },
    examples: [
      {
        title: 'version B (TR-31-2018 A.7.2.2)',
        args: { kbpk: versionB.kbpk, keyBlock: versionB.keyBlock },
        result: {
          key: versionB.key,
          header: {
            versionId: 'B',
            keyBlockLength: 80,
            keyUsage: 'P0',
            algorithm: 'T',
            modeOfUse: 'E',
            keyVersionNumber: '00',
            exportability: 'E',
            numberOfOptionalBlocks: 0,
            reserved: '00',
            optionalBlocks: [],
            meaning: {
              keyUsage: 'PIN encryption',
              algorithm: 'Triple DEA (TDES)',
              modeOfUse: 'Encrypt / wrap only',
              exportability: 'Exportable under a KEK in a form meeting ANSI X9.24',
            },
          },
        },
      },
      {
        title: 'version C with an initial key serial number block (TR-31-2018 A.7.3.1)',
        args: { kbpk: versionC.kbpk, keyBlock: versionC.keyBlock },
        result: {
          key: versionC.key,
          header: {
            versionId: 'C',
            keyBlockLength: 96,
            keyUsage: 'B0',
            algorithm: 'T',
            modeOfUse: 'X',
            keyVersionNumber: '12',
            exportability: 'S',
            numberOfOptionalBlocks: 1,
            reserved: '00',
            optionalBlocks: [{ id: 'KS', data: '00604B120F9292800000' }],
            meaning: {
              keyUsage: 'Base Derivation Key (BDK)',
              algorithm: 'Triple DEA (TDES)',
              modeOfUse: 'Key used to derive other keys',
              exportability: 'Sensitive: exportable in forms not meeting ANSI X9.24',
            },
          },
        },
      },
      {
        title: 'version D, AES-256 KBPK (TR-31-2018 A.7.4)',
        args: { kbpk: versionD.kbpk, keyBlock: versionD.keyBlock },
        result: {
          key: versionD.key,
          header: {
            versionId: 'D',
            keyBlockLength: 112,
            keyUsage: 'P0',
            algorithm: 'A',
            modeOfUse: 'E',
            keyVersionNumber: '00',
            exportability: 'E',
            numberOfOptionalBlocks: 0,
            reserved: '00',
            optionalBlocks: [],
            meaning: {
              keyUsage: 'PIN encryption',
              algorithm: 'AES',
              modeOfUse: 'Encrypt / wrap only',
              exportability: 'Exportable under a KEK in a form meeting ANSI X9.24',
            },
          },
        },
      },
    ],
    run: (args) => {
      const unwrapped = tr31Unwrap(args.kbpk, args.keyBlock);
      return { key: toHex(unwrapped.key), header: headerResult(unwrapped.header) };
    },
  }),
];
