import {
  emvArpcMethods,
  emvAtcDiversifier,
  emvCommonSessionKey,
  emvCryptogramPaddings,
  emvDeriveIccMasterKey,
  emvGenerateArpc,
  emvGenerateArqc,
  emvIccMasterKeyOptions,
  emvSessionKeyMethods,
  emvTreeSessionKey,
  emvVisaSmSessionKey,
  toHex,
  type EmvArpcMethod,
  type EmvCryptogramPadding,
  type EmvTreeOptions,
} from '../../../../lib/crypto/index.js';
import { BastionError } from '../../../../lib/errors/index.js';
import { defineOp, type OpSpec } from '../op-spec.js';

const asChoices = (values: readonly (string | number)[]): readonly string[] => values.map(String);

function missing(argument: string, why: string): BastionError {
  return new BastionError('CLI_ERR_ARGUMENT_MISSING', `${argument} is required ${why}`, { argument });
}

function notForMethod(argument: string, method: string): BastionError {
  return new BastionError('CLI_ERR_ARGUMENT_INVALID', `${argument} does not apply to method ${method}`, { argument });
}

interface SessionKeyArgs {
  readonly iccMasterKey: Buffer;
  readonly method: string;
  readonly r?: Buffer;
  readonly atc?: Buffer;
  readonly iv?: Buffer;
  readonly height?: number;
  readonly branchFactor?: number;
}

/** Picks the derivation and checks that only the arguments of that method were given. */
function deriveSessionKey(args: SessionKeyArgs): Buffer {
  const { iccMasterKey, method, r, atc } = args;
  if (method !== 'emv2000-tree') {
    for (const [name, value] of [
      ['iv', args.iv],
      ['height', args.height],
      ['branchFactor', args.branchFactor],
    ] as const) {
      if (value !== undefined) throw notForMethod(name, method);
    }
  }
  if (method === 'common') {
    if (r !== undefined && atc !== undefined) {
      throw new BastionError('CLI_ERR_ARGUMENT_INVALID', 'give either r or atc for method common, not both', { argument: 'r' });
    }
    if (r !== undefined) return emvCommonSessionKey(iccMasterKey, r);
    if (atc === undefined) throw missing('atc', 'for method common (or give r)');
    return emvCommonSessionKey(iccMasterKey, emvAtcDiversifier(atc));
  }
  if (r !== undefined) throw notForMethod('r', method);
  if (atc === undefined) throw missing('atc', `for method ${method}`);
  if (method === 'visa-sm') return emvVisaSmSessionKey(iccMasterKey, atc);
  const options: EmvTreeOptions = {
    ...(args.height === undefined ? {} : { height: args.height }),
    ...(args.branchFactor === undefined ? {} : { branchFactor: args.branchFactor }),
    ...(args.iv === undefined ? {} : { iv: args.iv }),
  };
  return emvTreeSessionKey(iccMasterKey, atc, options);
}

export const emvOps: readonly OpSpec[] = [
  defineOp({
    name: 'emv.icc-master-key',
    summary: 'Derive an ICC master key from an issuer master key, PAN and PSN (EMV Book 2 A1.4, option A or B).',
    args: {
      issuerMasterKey: { kind: 'hex', required: true, description: 'the 16-byte issuer master key (IMK-AC, IMK-SMI or IMK-SMC)' },
      pan: { kind: 'digits', required: true, description: 'the PAN, 12 to 19 digits' },
      psn: { kind: 'digits', description: 'the two-digit PAN sequence number (default 00, as EMV uses when the card has none)' },
      option: {
        kind: 'enum',
        choices: emvIccMasterKeyOptions,
        required: true,
        description: 'A: the rightmost 16 digits of PAN and PSN together; B: SHA-1 based, for PANs over 16 digits (option B with 16 digits or fewer is option A, as the specification says)',
      },
    },
    results: { iccMasterKey: 'the 16-byte ICC master key, odd parity, hex' },
    examples: [
      {
        title: 'option A (pyemv kd.py example)',
        args: { issuerMasterKey: '0123456789ABCDEFFEDCBA9876543210', pan: '99012345678901234', psn: '45', option: 'A' },
        result: { iccMasterKey: '67F8292358083E5EA7AB7FDA58D53B6B' },
      },
      {
        title: 'option B, 17-digit PAN (pyemv derive_icc_mk_b example)',
        args: { issuerMasterKey: '0123456789ABCDEFFEDCBA9876543210', pan: '12345678901234567', psn: '01', option: 'B' },
        result: { iccMasterKey: 'AD406D7F6D7570916D75E5DCAB8CF737' },
      },
    ],
    run: (args) => ({ iccMasterKey: toHex(emvDeriveIccMasterKey(args.issuerMasterKey, args.pan, args.psn ?? '00', args.option)) }),
  }),
  defineOp({
    name: 'emv.session-key',
    summary: 'Derive a session key from a 16-byte ICC master key: EMV common (A1.3), Visa secure messaging, or the EMV2000 tree.',
    args: {
      iccMasterKey: { kind: 'hex', required: true, description: 'the 16-byte ICC master key' },
      method: {
        kind: 'enum',
        choices: emvSessionKeyMethods,
        required: true,
        description:
          'common: TDES of R with its third byte set to F0 and 0F (EMV Book 2 A1.3.1); visa-sm: ATC XORed into the key halves (Visa CVN 10/18 secure messaging); emv2000-tree: the EMV 4.0 tree derivation',
      },
      r: { kind: 'hex', description: 'common only: the 8-byte diversifier R (e.g. ATC, 0000, UN for Mastercard; the ARQC for secure messaging); instead of atc' },
      atc: { kind: 'hex', description: 'the 2-byte application transaction counter; for common it means R = ATC followed by six zero bytes' },
      iv: { kind: 'hex', description: 'emv2000-tree only: the 16-byte IV (default zeros)' },
      height: { kind: 'int', min: 1, max: 64, description: 'emv2000-tree only: tree height (default 8)' },
      branchFactor: { kind: 'int', min: 2, max: 65536, description: 'emv2000-tree only: branch factor (default 4); branchFactor ^ height must reach 65536' },
    },
    results: { sessionKey: 'the 16-byte session key, odd parity, hex' },
    examples: [
      {
        title: 'common, R from the ATC (pyemv derive_common_sk example)',
        args: { iccMasterKey: '0123456789ABCDEFFEDCBA9876543210', method: 'common', atc: '001C' },
        result: { sessionKey: 'E9FB384AF807B940FEDCEA613461B0C4' },
      },
      {
        title: 'common, Mastercard R = ATC, 0000, UN (pyemv test_cvn_hsm.py CVN 16, check digits 2FD5)',
        args: { iccMasterKey: '154F349D8585CB7F6B0798E9839B10C1', method: 'common', r: '001C0000ABCDEF12' },
        result: { sessionKey: '5D8F37BCD9E5DA68048CDFA2EA255D9E' },
      },
      {
        title: 'Visa secure messaging (pyemv derive_visa_sm_sk example)',
        args: { iccMasterKey: '0123456789ABCDEFFEDCBA9876543210', method: 'visa-sm', atc: '001C' },
        result: { sessionKey: '0123456789ABCDF2FEDCBA987654CDF2' },
      },
      {
        title: 'EMV2000 tree, defaults (pyemv derive_emv2000_tree_sk example)',
        args: { iccMasterKey: '0123456789ABCDEFFEDCBA9876543210', method: 'emv2000-tree', atc: '001C' },
        result: { sessionKey: 'E5BF6D1067F194B0A89B7F5D83BC64A2' },
      },
      {
        title: 'EMV2000 tree, height 16, branch factor 2, IV F0… (pyemv test_kd_hsm.py)',
        args: { iccMasterKey: '0123456789ABCDEF0123456789ABCDEF', method: 'emv2000-tree', atc: 'FFFF', height: 16, branchFactor: 2, iv: 'F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0' },
        result: { sessionKey: '73E3B0A1406E5E4908D5804C4970E520' },
      },
    ],
    run: (args) => ({ sessionKey: toHex(deriveSessionKey(args)) }),
  }),
  defineOp({
    name: 'emv.arqc',
    summary: 'Application cryptogram (ARQC, TC or AAC): ISO/IEC 9797-1 MAC algorithm 3 over the transaction data, 8 bytes.',
    args: {
      key: { kind: 'hex', required: true, description: 'the 16-byte AC session key (or the ICC master key for schemes without session keys, e.g. Visa CVN 10)' },
      data: { kind: 'hex', required: true, description: 'the transaction data the card MACs (CDOL data: amount, country, TVR, currency, date, type, UN, AIP, ATC, IAD …), unpadded' },
      padding: {
        kind: 'enum',
        choices: asChoices(emvCryptogramPaddings),
        required: true,
        description: 'ISO/IEC 9797-1 padding method: 1 (zeros, Visa CVN 10 style) or 2 (80 then zeros, EMV common core, Mastercard, Visa CVN 18/22)',
      },
    },
    results: { arqc: 'the 8-byte cryptogram, hex' },
    examples: [
      {
        title: 'padding method 2 (pyemv ac.py example)',
        args: { key: '29B33180E567CE38EA4CBC9D753B0E61', data: '0123456789ABCDEF0123456789ABCDEF', padding: 2 },
        result: { arqc: 'FA624250B008B59A' },
      },
      {
        title: 'Visa CVN 10 under the ICC master key, padding method 1 (pyemv test_cvn_hsm.py)',
        args: {
          key: '154F349D8585CB7F6B0798E9839B10C1',
          data: '0000000040000000000000000124800004800001241911050152BF45851800001C03A06010',
          padding: 1,
        },
        result: { arqc: '29CCA15AE665FA2E' },
      },
    ],
    run: (args) => ({ arqc: toHex(emvGenerateArqc(args.key, args.data, Number(args.padding) as EmvCryptogramPadding)) }),
  }),
  defineOp({
    name: 'emv.arpc',
    summary: 'Authorisation response cryptogram: method 1 (TDES of ARQC XOR ARC, 8 bytes) or method 2 (MAC of ARQC, CSU and proprietary data, 4 bytes).',
    args: {
      method: { kind: 'enum', choices: asChoices(emvArpcMethods), required: true, description: 'ARPC method 1 or 2 (EMV Book 2 8.2)' },
      key: { kind: 'hex', required: true, description: 'the 16-byte key: the AC session key, or the ICC master key where the scheme says so' },
      arqc: { kind: 'hex', required: true, description: 'the 8-byte ARQC being answered' },
      arc: { kind: 'hex', description: 'method 1: the 2-byte authorisation response code' },
      csu: { kind: 'hex', description: 'method 2: the 4-byte card status update' },
      proprietaryAuthData: { kind: 'hex', description: 'method 2, optional: up to 8 bytes of proprietary authentication data' },
    },
    results: { arpc: 'the ARPC, hex: 8 bytes for method 1, 4 bytes for method 2' },
    examples: [
      {
        title: 'method 1 (pyemv ac.py example)',
        args: { method: 1, key: '29B33180E567CE38EA4CBC9D753B0E61', arqc: 'FA624250B008B59A', arc: '0000' },
        result: { arpc: '45D4255EEF10C920' },
      },
      {
        title: 'method 2 (pyemv ac.py example)',
        args: { method: 2, key: '29B33180E567CE38EA4CBC9D753B0E61', arqc: 'FA624250B008B59A', csu: '00000000' },
        result: { arpc: 'CB56FA40' },
      },
      {
        title: 'method 2 with proprietary data (pyemv test_kd_hsm.py test_derive_icc_mk_b_sha_pad)',
        args: { method: 2, key: '512CE0EC80A45DAB49D5B59492E59BD9', arqc: '8CAD6F2489C640B1', csu: '00000000', proprietaryAuthData: '12345678' },
        result: { arpc: 'E39F1876' },
      },
    ],
    run: (args) => ({
      arpc: toHex(
        emvGenerateArpc(args.key, args.arqc, {
          method: Number(args.method) as EmvArpcMethod,
          ...(args.arc === undefined ? {} : { arc: args.arc }),
          ...(args.csu === undefined ? {} : { csu: args.csu }),
          ...(args.proprietaryAuthData === undefined ? {} : { proprietaryAuthData: args.proprietaryAuthData }),
        }),
      ),
    }),
  }),
];
