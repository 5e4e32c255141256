/** Card verification: Luhn, Visa CVV / Mastercard CVC, Visa PVV, IBM 3624 PIN offsets. */
export { luhnCheckDigit, isLuhnValid } from './luhn.js';
export { CvvCalculator, cvv, verifyCvv } from './cvv.js';
export { PvvCalculator, pvv, verifyPvv } from './pvv.js';
export { Ibm3624Calculator, ibm3624NaturalPin, ibm3624Offset, ibm3624PinFromOffset, verifyIbm3624Offset } from './ibm3624.js';
