import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeGrayPng, encodeGrayPng } from '../../domain/e-signature/index.js';
import { BastionError, isBastionError } from '../../lib/errors/index.js';

/** The generated signature's size: a small strip, as a signature pad's. */
export const SQUIGGLE_WIDTH = 160;
export const SQUIGGLE_HEIGHT = 48;

/**
 * A deterministic "signature" for `seed` (the trace): a black stroke on white, a sum of two sine
 * waves whose phases and frequencies come from SHA-256 of the seed, drawn 2 pixels thick. The same
 * seed always gives the same PNG bytes.
 */
export function squiggleSignature(seed: string): Buffer {
  const digest = createHash('sha256').update(`bastion-signature:${seed}`).digest();
  const byte = (index: number): number => digest[index] as number;
  const pixels = Buffer.alloc(SQUIGGLE_WIDTH * SQUIGGLE_HEIGHT, 0xff);
  const f1 = 1 + (byte(0) % 4);
  const f2 = 3 + (byte(1) % 5);
  const p1 = (byte(2) / 255) * 2 * Math.PI;
  const p2 = (byte(3) / 255) * 2 * Math.PI;
  const middle = SQUIGGLE_HEIGHT / 2;
  let previous: number | undefined;
  for (let x = 8; x < SQUIGGLE_WIDTH - 8; x += 1) {
    const t = x / SQUIGGLE_WIDTH;
    const y = Math.round(middle + 12 * Math.sin(2 * Math.PI * f1 * t + p1) + 6 * Math.sin(2 * Math.PI * f2 * t + p2));
    const from = previous === undefined ? y : Math.min(previous, y);
    const to = previous === undefined ? y : Math.max(previous, y);
    for (let row = from; row <= to + 1; row += 1) {
      if (row >= 0 && row < SQUIGGLE_HEIGHT) pixels[row * SQUIGGLE_WIDTH + x] = 0;
    }
    previous = y;
  }
  return encodeGrayPng({ width: SQUIGGLE_WIDTH, height: SQUIGGLE_HEIGHT, pixels });
}

/** A signature PNG from a file, checked the way the host will check it. */
export function readSignatureFile(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new BastionError('SIM_ERR_SIGNATURE', 'the signature file cannot be read', { argument: '--signature' });
  }
  try {
    decodeGrayPng(bytes);
  } catch (error) {
    throw new BastionError('SIM_ERR_SIGNATURE', isBastionError(error) ? error.message : 'the signature file is not an accepted PNG', { argument: '--signature' });
  }
  return bytes;
}
