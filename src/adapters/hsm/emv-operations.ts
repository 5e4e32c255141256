import {
  emvAtcDiversifier,
  emvCommonSessionKey,
  EmvCryptogramKey,
  EmvIssuerMasterKey,
  emvVisaSmSessionKey,
  equalBytes,
  type EmvArpcInput,
} from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { EmvCardKeyRequest, GenerateArpcRequest, VerifyArqcRequest } from '../../ports/hsm.js';
import type { KeyUse } from './cached-key.js';
import type { CryptogramKeyHandoff } from './cryptogram-key-handoff.js';
import type { Keyring } from './keyring.js';

const arqcLengthBytes = 8;
const unpredictableNumberLengthBytes = 4;

/**
 * The IMK-AC with its key schedule, kept with the cached key: every card of the issuer derives
 * from it. The card's master and session keys are derived per call (they are the card's, not the
 * HSM's, and the session key changes with every ATC).
 */
const issuerMasterKeyUse: KeyUse<EmvIssuerMasterKey> = { name: 'EMV issuer master key', prepare: (key, argument) => new EmvIssuerMasterKey(key, argument) };

/**
 * The cryptogram key of one card and ATC: the ICC master key from the IMK-AC (EMV Book 2 A1.4,
 * option A unless asked), then the session key the card's scheme uses. Intermediate keys are
 * wiped once the cryptogram key holds its own copies.
 */
function cryptogramKey(keyring: Keyring, request: EmvCardKeyRequest): EmvCryptogramKey {
  const imk = keyring.openKey(request.imkAc, ['IMK-AC'], 'imkAc');
  let masterKey: Buffer | undefined;
  let sessionKey: Buffer | undefined;
  try {
    masterKey = imk.use(issuerMasterKeyUse).deriveIccMasterKey(request.pan, request.psn, request.iccMasterKeyOption ?? 'A');
    const un = request.unpredictableNumber;
    if (un !== undefined && (request.sessionKey !== 'common' || un.length !== unpredictableNumberLengthBytes)) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `unpredictableNumber must be ${unpredictableNumberLengthBytes} bytes and goes only with the common session key`, {
        argument: 'unpredictableNumber',
      });
    }
    switch (request.sessionKey) {
      case 'common': {
        const r = emvAtcDiversifier(request.atc);
        if (un !== undefined) r.set(un, 4);
        sessionKey = emvCommonSessionKey(masterKey, r);
        break;
      }
      case 'visa-sm':
        sessionKey = emvVisaSmSessionKey(masterKey, request.atc);
        break;
      case 'none':
        sessionKey = Buffer.from(masterKey);
        break;
      default:
        throw new BastionError('HSM_ERR_ALGORITHM', 'sessionKey must be common, visa-sm or none', { argument: 'sessionKey' });
    }
    return new EmvCryptogramKey(sessionKey, 'imkAc');
  } finally {
    imk.release();
    masterKey?.fill(0);
    sessionKey?.fill(0);
  }
}

/**
 * Whether the ARQC verifies. When it does and the caller said the ARPC follows, the cryptogram
 * key waits in `handoff` for that ARPC (cryptogram-key-handoff.ts).
 */
export function verifyArqc(keyring: Keyring, request: VerifyArqcRequest, handoff?: CryptogramKeyHandoff): boolean {
  if (request.arqc.length !== arqcLengthBytes) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `arqc must be ${arqcLengthBytes} bytes, got ${request.arqc.length}`, {
      argument: 'arqc',
      length: request.arqc.length,
    });
  }
  const key = cryptogramKey(keyring, request);
  const verified = equalBytes(key.arqc(request.data, request.padding), request.arqc);
  if (verified && request.arpcFollows === true) handoff?.keep(request, request.arqc, key);
  return verified;
}

/** The ARPC, under the key a verification of this ARQC left in `handoff` if one waits, else under a key derived now. */
export function generateArpc(keyring: Keyring, request: GenerateArpcRequest, handoff?: CryptogramKeyHandoff): Buffer {
  const input: EmvArpcInput = {
    method: request.method,
    ...(request.arc === undefined ? {} : { arc: request.arc }),
    ...(request.csu === undefined ? {} : { csu: request.csu }),
    ...(request.proprietaryAuthData === undefined ? {} : { proprietaryAuthData: request.proprietaryAuthData }),
  };
  const key = handoff?.take(request, request.arqc) ?? cryptogramKey(keyring, request);
  return key.arpc(request.arqc, input);
}
