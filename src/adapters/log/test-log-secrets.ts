/** Test support (left out of the build): card data and keys that must never reach a log line. */
export const pan = '4761739001010010';
export const track2 = '4761739001010010=29122011000000000000';
export const keyHex = '0123456789ABCDEFFEDCBA9876543210';
export const pinBlock = '8E37F451C21B66E2';
export const arqc = '29CCA15AE665FA2E';
/** Every piece of those that must not appear in a line: the PAN's halves, each key half, the expiry and service code. */
export const secrets = [pan, '4761739001', '9001010010', keyHex, keyHex.slice(0, 16), keyHex.slice(16), pinBlock, arqc, '29122011'];
