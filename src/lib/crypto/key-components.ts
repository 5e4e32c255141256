import { BastionError } from '../errors/index.js';
import { assertKeyLength, type BlockAlgorithm } from './block-cipher.js';
import { xorInto } from './bytes.js';
import { adjustOddParity } from './des-parity.js';
import { keyCheckValue, type KcvOptions } from './kcv.js';
import { secureRandom, type RandomSource } from './random.js';

/**
 * Key components for dual control: a key is split into N components held by different
 * custodians and rebuilt by XOR. For DES and TDES every component and the result carry odd
 * parity: XOR only disturbs the parity bits, so the result is parity-adjusted after combining.
 */
export const componentCountMin = 2;
export const componentCountMax = 9;

export interface KeyWithKcv {
  readonly key: Buffer;
  readonly kcv: Buffer;
}

function isDesFamily(algorithm: BlockAlgorithm): boolean {
  return algorithm === 'des' || algorithm === 'tdes';
}

function normalise(algorithm: BlockAlgorithm, key: Uint8Array): Buffer {
  return isDesFamily(algorithm) ? adjustOddParity(key) : Buffer.from(key);
}

export function generateKey(algorithm: BlockAlgorithm, lengthBytes: number, options: { random?: RandomSource; kcv?: KcvOptions } = {}): KeyWithKcv {
  const random = options.random ?? secureRandom;
  const raw = random(lengthBytes);
  assertKeyLength(algorithm, raw, 'length');
  const key = normalise(algorithm, raw);
  return { key, kcv: keyCheckValue(algorithm, key, options.kcv) };
}

function assertComponentCount(count: number): void {
  if (!Number.isInteger(count) || count < componentCountMin || count > componentCountMax) {
    throw new BastionError('CRYPTO_ERR_COMPONENT_COUNT', `component count must be ${componentCountMin} to ${componentCountMax}, got ${count}`, {
      argument: 'count',
      value: count,
    });
  }
}

export function splitKey(
  algorithm: BlockAlgorithm,
  key: Uint8Array,
  count: number,
  options: { random?: RandomSource; kcv?: KcvOptions } = {},
): KeyWithKcv[] {
  assertKeyLength(algorithm, key);
  assertComponentCount(count);
  const random = options.random ?? secureRandom;
  const last = Buffer.from(key);
  const components: Buffer[] = [];
  for (let i = 0; i < count - 1; i++) {
    const component = normalise(algorithm, random(key.length));
    if (component.length !== key.length) {
      throw new BastionError('CRYPTO_ERR_FILL', 'the random source returned the wrong number of bytes', { argument: 'random' });
    }
    xorInto(last, component);
    components.push(component);
  }
  components.push(normalise(algorithm, last));
  return components.map((component) => ({ key: component, kcv: keyCheckValue(algorithm, component, options.kcv) }));
}

export function combineKeyComponents(algorithm: BlockAlgorithm, components: readonly Uint8Array[], kcvOptions?: KcvOptions): KeyWithKcv {
  assertComponentCount(components.length);
  const first = components[0] as Uint8Array;
  const combined = Buffer.from(first);
  components.forEach((component, index) => {
    assertKeyLength(algorithm, component, `components[${index}]`);
    if (component.length !== first.length) {
      throw new BastionError('CRYPTO_ERR_KEY_LENGTH', 'all components must have the same length', { argument: `components[${index}]` });
    }
    if (index > 0) xorInto(combined, component);
  });
  const key = normalise(algorithm, combined);
  return { key, kcv: keyCheckValue(algorithm, key, kcvOptions) };
}
