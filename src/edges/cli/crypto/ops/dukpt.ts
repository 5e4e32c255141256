import { BastionError } from '../../../../lib/errors/index.js';
import {
  aesDukptKsnLengthBytes,
  deriveAesDukptKeys,
  deriveTdesDukptKeys,
  tdesDukptKsnLengthBytes,
  toHex,
} from '../../../../lib/crypto/index.js';
import { defineOp, type OpResult, type OpSpec } from '../op-spec.js';

const workingKeyTypes = ['tdes2', 'tdes3', 'aes128', 'aes192', 'aes256'] as const;
const schemes = ['tdes', 'aes'] as const;

/** TDES for 10-byte KSNs, AES for 12-byte ones, unless the caller names the scheme. */
function schemeOf(ksn: Buffer, scheme: (typeof schemes)[number] | undefined): (typeof schemes)[number] {
  if (scheme !== undefined) return scheme;
  if (ksn.length === tdesDukptKsnLengthBytes) return 'tdes';
  if (ksn.length === aesDukptKsnLengthBytes) return 'aes';
  throw new BastionError(
    'CRYPTO_ERR_KSN',
    `ksn must be ${tdesDukptKsnLengthBytes} bytes (TDES DUKPT) or ${aesDukptKsnLengthBytes} bytes (AES DUKPT), got ${ksn.length}`,
    { argument: 'ksn', length: ksn.length },
  );
}

function hexFields(keys: object): OpResult {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) if (value instanceof Uint8Array) out[name] = toHex(value);
  return out;
}

export const dukptOps: readonly OpSpec[] = [
  defineOp({
    name: 'dukpt.derive',
    summary:
      'Host-side DUKPT: derive the initial key, the transaction key and the working keys for a KSN from the BDK. ' +
      'TDES DUKPT (ANSI X9.24-1-2009) for a 10-byte KSN, AES DUKPT (ANSI X9.24-3-2017) for a 12-byte KSN.',
    args: {
      bdk: {
        kind: 'hex',
        required: true,
        description: 'the base derivation key: 16 bytes (double-length TDES) for TDES DUKPT; 16, 24 or 32 bytes (AES-128/192/256) for AES DUKPT',
      },
      ksn: {
        kind: 'hex',
        required: true,
        description:
          'the key serial number: 10 bytes for TDES (21-bit counter, 1 to 10 one-bits) or 12 bytes for AES (initial key ID + 32-bit counter, 1 to 16 one-bits)',
      },
      workingKeyType: {
        kind: 'enum',
        choices: workingKeyTypes,
        description:
          'AES only: the type of the working keys, tdes2, tdes3, aes128, aes192 or aes256 (default: the BDK type); AES keys longer than the BDK are refused',
      },
      scheme: { kind: 'enum', choices: schemes, description: 'tdes or aes (default: chosen by the KSN length)' },
    },
    results: {
      initialKey: 'the initial key of the device (TDES: the IPEK), hex',
      transactionKey: 'the key the counter walk reaches (TDES: the future key of the transaction; AES: the last intermediate derivation key), hex',
      pinKey: 'PIN encryption key (TDES: PIN variant 00000000000000FF; AES: usage 1000), hex',
      macRequestKey: 'TDES only: request MAC key (variant 000000000000FF00), hex',
      macResponseKey: 'TDES only: response MAC key (variant 00000000FF000000), hex',
      dataRequestKey:
        'TDES only: request data encryption key — the variant 0000000000FF0000 key encrypted under itself (the one-way step), ready for TDES-CBC, hex',
      dataResponseKey: 'TDES only: response data encryption key — the variant 000000FF00000000 key encrypted under itself, hex',
      macGenerationKey: 'AES only: MAC generation key (usage 2000), hex',
      macVerificationKey: 'AES only: MAC verification key (usage 2001), hex',
      dataEncryptionKey: 'AES only: data encryption key (usage 3000), hex',
      dataDecryptionKey: 'AES only: data decryption key (usage 3001), hex',
      hmacGenerationKey: 'AES only, AES working key types only: HMAC key of the working key length for MAC generation (usage 2000, algorithm HMAC), hex',
      hmacVerificationKey: 'AES only, AES working key types only: HMAC key of the working key length for MAC verification (usage 2001, algorithm HMAC), hex',
    },
    examples: [
      {
        title: 'TDES DUKPT, first transaction of ANSI X9.24-1-2009 Annex A.4',
        args: { bdk: '0123456789ABCDEFFEDCBA9876543210', ksn: 'FFFF9876543210E00001' },
        result: {
          initialKey: '6AC292FAA1315B4D858AB3A3D7D5933A',
          transactionKey: '042666B49184CFA368DE9628D0397BC9',
          pinKey: '042666B49184CF5C68DE9628D0397B36',
          macRequestKey: '042666B4918430A368DE9628D03984C9',
          macResponseKey: '042666B46E84CFA368DE96282F397BC9',
          dataRequestKey: '448D3F076D8304036A55A3D7E0055A78',
          dataResponseKey: 'AD7BFC8B06AD3A08A560B4105CF8D9E5',
        },
      },
      {
        // Transaction key published in Annex A.4.3; the working keys follow from it (the Annex
        // publishes their PIN blocks, MACs and encrypted data, which the library tests check).
        title: 'TDES DUKPT, Annex A.4.3 counter 0FF801 (ten one-bits)',
        args: { bdk: '0123456789ABCDEFFEDCBA9876543210', ksn: 'FFFF9876543210EFF801', scheme: 'tdes' },
        result: {
          initialKey: '6AC292FAA1315B4D858AB3A3D7D5933A',
          transactionKey: '5BEE92627E97825C911BF619DF72CA3B',
          pinKey: '5BEE92627E9782A3911BF619DF72CAC4',
          macRequestKey: '5BEE92627E977D5C911BF619DF72353B',
          macResponseKey: '5BEE92628197825C911BF6192072CA3B',
          dataRequestKey: 'EBC9A12BDFAFC470E00ECA54611BE5C9',
          dataResponseKey: 'C33928748DB4C31EB98BDAA6FC5A528F',
        },
      },
      {
        title: 'AES DUKPT, AES-128 BDK, first transaction of the ANSI X9.24-3-2017 test vectors',
        args: { bdk: 'FEDCBA9876543210F1F1F1F1F1F1F1F1', ksn: '123456789012345600000001' },
        result: {
          initialKey: '1273671EA26AC29AFA4D1084127652A1',
          transactionKey: '4F21B565BAD9835E112B6465635EAE44',
          pinKey: 'AF8CB133A78F8DC2D1359F18527593FB',
          macGenerationKey: 'A2DC23DE6FDE0824A2BC321E08E4B8B7',
          macVerificationKey: 'DBB463945B286C07CD3AD82EE96FD9C9',
          dataEncryptionKey: 'A35C412EFD41FDB98B69797C02DCD08F',
          dataDecryptionKey: '16292C6EA8F64C5420A0584BFBC577BE',
          hmacGenerationKey: '27D99DA9C091C20DEC0D1C56244ADF8C',
          hmacVerificationKey: '6123B83ED0F9F13DF07F15DF51BE7609',
        },
      },
      {
        // Initial, transaction, PIN, MAC generation and data encryption keys are published values.
        title: 'AES DUKPT, AES-256 BDK deriving AES-128 working keys (X9.24-3-2017 test vectors, counter 1)',
        args: {
          bdk: 'FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1',
          ksn: '123456789012345600000001',
          workingKeyType: 'aes128',
        },
        result: {
          initialKey: 'CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F',
          transactionKey: '54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3',
          pinKey: '09C9C432966811D6B2C3336BAC1B1202',
          macGenerationKey: 'F04A1FABD4176E15490CEC82E217A96D',
          macVerificationKey: 'CA4138050C183959164FE02569A7C531',
          dataEncryptionKey: '616D59AE91F8CC7016F89FDA29605FA4',
          dataDecryptionKey: '64F219651979E64D830ADE9A503F4720',
          hmacGenerationKey: '3FFDA0CDC1E6961582D7F6F510FFA80E',
          hmacVerificationKey: 'FA9AFC83FAC51474207EB63717D2927C',
        },
      },
    ],
    run: (args) => {
      const scheme = schemeOf(args.ksn, args.scheme);
      if (scheme === 'tdes') {
        if (args.workingKeyType !== undefined) {
          throw new BastionError('CLI_ERR_ARGUMENT_INVALID', 'workingKeyType applies to AES DUKPT only; TDES DUKPT working keys are double-length TDES variants', {
            argument: 'workingKeyType',
          });
        }
        return hexFields(deriveTdesDukptKeys(args.bdk, args.ksn));
      }
      return hexFields(deriveAesDukptKeys(args.bdk, args.ksn, args.workingKeyType));
    },
  }),
];
