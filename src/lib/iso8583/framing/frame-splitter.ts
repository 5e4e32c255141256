import { BastionError } from '../../errors/index.js';
import { bufferView } from './buffer-view.js';

/**
 * Cuts a TCP byte stream into frames by their binary big-endian length prefix. Pure: the channel
 * feeds it whatever `data` events bring and gets back the frame bodies (the bytes after each
 * prefix) that those bytes complete. TCP delivers a frame split over many chunks, or several
 * frames in one chunk, or a prefix split between two chunks; all come out the same.
 *
 * Limits, so a peer can't make the host hold memory it did not send:
 * - a prefix announcing more than `frameBytesMax` fails the splitter with
 *   ISO_ERR_FRAME_TOO_LARGE before anything is buffered for that frame. The stream can't be
 *   resynchronised after that (there is no frame marker to search for), so every later `push`
 *   throws the same error and the caller closes the connection. Frames completed earlier in the
 *   failing chunk are dropped with it: their replies could not be delivered on a connection that
 *   is about to close, and a terminal reverses what it gets no reply for.
 * - only bytes actually received are held: at most the prefix plus one frame less a byte
 *   (`bufferedBytes` ≤ `lengthBytes + frameBytesMax - 1`); nothing is allocated from the
 *   announced length alone.
 *
 * A zero length is a keep-alive ("poll"), skipped without emitting a frame and counted in
 * `keepAlivesSeen`: jPOS's VAPChannel ignores zero-length polls, and ConardLKL/posp_server's
 * link to the UnionPay switch sends a "0000" length as its heartbeat every 30 s. A terminal frame
 * can't be empty anyway (it carries at least a TPDU), so nothing is lost by skipping it.
 *
 * Copies: a frame that lies wholly inside one chunk is returned as a view of that chunk (no copy),
 * so don't reuse or change a chunk after pushing it (Node's socket chunks are never reused). The
 * part of a frame that must wait for the next chunk is copied into a buffer of the splitter's own,
 * which grows by doubling up to the announced size: copying stays linear however small the chunks
 * (re-concatenating per chunk would be quadratic), the memory held is at most twice the bytes
 * received and never more than the announced size, and a peer dripping one byte per segment
 * costs no per-chunk objects (a list of parts would hold one Buffer, ~100 bytes, per byte).
 */

export type LengthPrefixBytes = 2 | 4;

const lengthBytesAllowed: readonly number[] = [2, 4];

export interface FrameSplitterOptions {
  /** The largest frame body accepted, in bytes (after the prefix); at least 1. */
  readonly frameBytesMax: number;
  /** Size of the binary big-endian length prefix; default 2 (UnionPay POS, jPOS NACChannel). */
  readonly lengthBytes?: LengthPrefixBytes;
}

export class FrameSplitter {
  readonly frameBytesMax: number;
  readonly lengthBytes: LengthPrefixBytes;

  /** Value of the prefix read so far and how many of its bytes have arrived. */
  #prefixValue = 0;
  #prefixBytesRead = 0;
  /** Announced size of the frame being collected; 0 while reading a prefix. */
  #bodyBytesExpected = 0;
  /** The part of the frame being collected that arrived in earlier chunks, and its size. */
  #body: Buffer | undefined;
  #bodyBytes = 0;
  #keepAlivesSeen = 0;
  /** Bytes of the stream consumed before the current chunk, for error offsets. */
  #streamBytes = 0;
  #failure: BastionError | undefined;

  constructor(options: FrameSplitterOptions) {
    const lengthBytes = options.lengthBytes ?? 2;
    // Checked at run time too: configuration may come from untyped files.
    if (!lengthBytesAllowed.includes(lengthBytes)) {
      throw new BastionError('ISO_ERR_SPEC', 'lengthBytes must be 2 or 4', { argument: 'lengthBytes' });
    }
    const prefixValueMax = lengthBytes === 2 ? 0xffff : 0xffffffff;
    const { frameBytesMax } = options;
    if (!Number.isInteger(frameBytesMax) || frameBytesMax < 1 || frameBytesMax > prefixValueMax) {
      throw new BastionError('ISO_ERR_SPEC', `frameBytesMax must be an integer from 1 to ${prefixValueMax}`, { argument: 'frameBytesMax' });
    }
    this.frameBytesMax = frameBytesMax;
    this.lengthBytes = lengthBytes;
  }

  /** Bytes held for an incomplete prefix or frame. */
  get bufferedBytes(): number {
    return this.#prefixBytesRead + this.#bodyBytes;
  }

  /** Zero-length prefixes skipped so far (a channel may use them to reset its idle timer). */
  get keepAlivesSeen(): number {
    return this.#keepAlivesSeen;
  }

  /** True once an oversize frame was announced; every later `push` throws. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Takes the next bytes of the stream; returns the bodies of the frames they complete, in order. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.#failure !== undefined) throw this.#failure;
    const frames: Buffer[] = [];
    const chunkBytes = chunk.length;
    let offset = 0;
    // Each pass consumes at least one byte, so the loop ends after at most chunkBytes passes.
    while (offset < chunkBytes) {
      if (this.#bodyBytesExpected === 0) {
        this.#prefixValue = this.#prefixValue * 256 + (chunk[offset] as number);
        this.#prefixBytesRead++;
        offset++;
        if (this.#prefixBytesRead === this.lengthBytes) this.#startFrame(offset);
        continue;
      }
      const missingBytes = this.#bodyBytesExpected - this.#bodyBytes;
      const availableBytes = chunkBytes - offset;
      if (availableBytes < missingBytes) {
        // The frame continues in a later chunk: keep a copy of what is here.
        this.#append(chunk, offset, chunkBytes);
        break;
      }
      const end = offset + missingBytes;
      if (this.#bodyBytes === 0) {
        frames.push(bufferView(chunk, offset, end));
      } else {
        this.#append(chunk, offset, end);
        frames.push(this.#takeBody());
      }
      offset = end;
      this.#bodyBytesExpected = 0;
    }
    this.#streamBytes += chunkBytes;
    return frames;
  }

  /** A prefix ends just before `offset` of the current chunk: check it and start its frame (or skip a keep-alive). */
  #startFrame(offset: number): void {
    const declaredBytes = this.#prefixValue;
    this.#prefixValue = 0;
    this.#prefixBytesRead = 0;
    if (declaredBytes === 0) {
      this.#keepAlivesSeen++;
      return;
    }
    if (declaredBytes > this.frameBytesMax) {
      this.#failure = new BastionError(
        'ISO_ERR_FRAME_TOO_LARGE',
        `a length prefix announces ${declaredBytes} bytes, over the maximum of ${this.frameBytesMax}; the stream can't be resynchronised, close the connection`,
        { field: 'length', offset: this.#streamBytes + offset - this.lengthBytes, declaredBytes, frameBytesMax: this.frameBytesMax },
      );
      throw this.#failure;
    }
    this.#bodyBytesExpected = declaredBytes;
  }

  /** Copies `chunk[start, end)` after the bytes held, growing the buffer by doubling up to the announced size. */
  #append(chunk: Uint8Array, start: number, end: number): void {
    const neededBytes = this.#bodyBytes + (end - start);
    const capacityBytes = this.#body?.length ?? 0;
    if (neededBytes > capacityBytes) {
      const grown = Buffer.allocUnsafe(Math.min(this.#bodyBytesExpected, Math.max(neededBytes, 2 * capacityBytes)));
      if (this.#body !== undefined) this.#body.copy(grown, 0, 0, this.#bodyBytes);
      this.#body = grown;
    }
    (this.#body as Buffer).set(chunk.subarray(start, end), this.#bodyBytes);
    this.#bodyBytes = neededBytes;
  }

  /** Hands over the completed frame; growth is capped at the announced size, so the buffer is exactly the frame. */
  #takeBody(): Buffer {
    const frame = this.#body as Buffer;
    this.#body = undefined;
    this.#bodyBytes = 0;
    return frame;
  }
}
