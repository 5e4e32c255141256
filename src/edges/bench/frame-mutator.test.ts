import { describe, expect, it } from 'vitest';
import { lengthPrefixBytes } from '../../lib/iso8583/framing/index.js';
import { simulatorCodec } from '../terminal-simulator/messages.js';
import { benchTerminalId } from './bench-fleet.js';
import { FrameMutator, FUZZ_TERMINAL_IDS, fuzzFrameKinds, fuzzTemplates, SeededRandom, type FuzzFrame } from './frame-mutator.js';

function framesOf(seed: number, count: number): FuzzFrame[] {
  const mutator = new FrameMutator(new SeededRandom(seed));
  return Array.from({ length: count }, () => mutator.next());
}

describe('the fuzz frame mutator', () => {
  it('gives the same frames for the same seed, and other frames for another', () => {
    const first = framesOf(20_261_121, 3_000);
    const again = framesOf(20_261_121, 3_000);
    expect(again.map((frame) => [frame.kind, frame.desync, frame.bytes.toString('hex')])).toEqual(first.map((frame) => [frame.kind, frame.desync, frame.bytes.toString('hex')]));
    const other = framesOf(7, 3_000);
    expect(other.map((frame) => frame.bytes.toString('hex'))).not.toEqual(first.map((frame) => frame.bytes.toString('hex')));
  });

  it('the seeded generator repeats itself and stays in range', () => {
    const a = new SeededRandom(0);
    const b = new SeededRandom(0);
    const values = Array.from({ length: 1_000 }, () => a.next());
    expect(Array.from({ length: 1_000 }, () => b.next())).toEqual(values);
    expect(new Set(values).size).toBeGreaterThan(990);
    const random = new SeededRandom(0xffff_ffff);
    for (let index = 0; index < 10_000; index++) {
      const value = random.between(3, 9);
      expect(value >= 3 && value <= 9 && Number.isInteger(value)).toBe(true);
    }
  });

  it('makes every kind of frame; a length prefix disagrees with the bytes only in frames marked desync', () => {
    const frames = framesOf(1, 5_000);
    for (const kind of fuzzFrameKinds) expect(frames.some((frame) => frame.kind === kind)).toBe(true);
    for (const frame of frames) {
      const said = frame.bytes.readUInt16BE(0);
      expect(said).toBeGreaterThan(0);
      if (!frame.desync) expect(said).toBe(frame.bytes.length - lengthPrefixBytes);
    }
    expect(frames.filter((frame) => frame.desync).length).toBeGreaterThan(0);
  });

  it('starts from valid requests of fuzz terminals only, never a bench terminal a few bytes away', () => {
    const templates = fuzzTemplates(new SeededRandom(5));
    expect(templates.map((template) => template.name)).toEqual(expect.arrayContaining(['sign-in', 'sale', 'balance-inquiry', 'reversal', 'settlement', 'echo']));
    for (const template of templates) {
      const message = simulatorCodec.unpack(template.message);
      expect(FUZZ_TERMINAL_IDS).toContain(message.get(41));
    }
    const benchIds = Array.from({ length: 4096 }, (_, index) => benchTerminalId(index));
    for (const fuzzId of FUZZ_TERMINAL_IDS) {
      for (const benchId of benchIds) expect(Array.from({ length: 8 }, (_, index) => fuzzId.charAt(index) !== benchId.charAt(index)).filter(Boolean).length).toBeGreaterThanOrEqual(4);
    }
  });
});
