import { CvvCalculator } from '../../lib/crypto/index.js';
import type { CvvRequest, VerifyCvvRequest } from '../../ports/hsm.js';
import type { KeyUse } from './cached-key.js';
import type { Keyring } from './keyring.js';

/** The CVV calculator of a CVK, kept with the cached key. */
const cvvCalculatorUse: KeyUse<CvvCalculator> = { name: 'CVV calculator', prepare: (key) => new CvvCalculator(key) };

/** CVV / CVC with the issuer's CVK (service code 000 for CVV2, 999 for iCVV). */
function calculatorFor(keyring: Keyring, request: CvvRequest): CvvCalculator {
  const cvk = keyring.openKey(request.cvk, ['CVK'], 'cvk');
  try {
    return cvk.use(cvvCalculatorUse);
  } finally {
    cvk.release();
  }
}

export function generateCvv(keyring: Keyring, request: CvvRequest): string {
  return calculatorFor(keyring, request).compute(request.pan, request.expiry, request.serviceCode);
}

/** Compares without an early exit; a malformed CVV argument throws CRYPTO_ERR_ARGUMENT. */
export function verifyCvv(keyring: Keyring, request: VerifyCvvRequest): boolean {
  return calculatorFor(keyring, request).verify(request.pan, request.expiry, request.serviceCode, request.cvv);
}
