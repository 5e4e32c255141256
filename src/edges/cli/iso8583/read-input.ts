import { createReadStream } from 'node:fs';
import { BastionError } from '../../../lib/errors/index.js';
import { fromHex } from '../../../lib/crypto/bytes.js';

/**
 * Input for `bastion iso8583`: a frame in hex or a JSON message, from an argument, a file or
 * stdin. Every source is read with the same bound so a mistaken `< /dev/zero` stops at once.
 */

/** The most input read from stdin or a file; a real frame is a few hundred bytes. */
export const inputBytesMax = 1024 * 1024;

/** Reads a stream to its end as UTF-8, refusing more than `inputBytesMax` bytes. */
export async function readBounded(stream: AsyncIterable<Buffer | string>, argument: string): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += data.length;
    if (size > inputBytesMax) {
      throw new BastionError('CLI_ERR_INPUT_TOO_LARGE', `the ${argument} input may be at most ${inputBytesMax} bytes`, { argument, bytesMax: inputBytesMax });
    }
    parts.push(data);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The text of `--json FILE`, or of stdin when the value is `-` or absent. */
export async function readJsonText(value: string | undefined, stdin: AsyncIterable<Buffer | string>): Promise<string> {
  if (value === undefined || value === '-') return readBounded(stdin, 'json');
  try {
    return await readBounded(createReadStream(value), 'json');
  } catch (error) {
    if (error instanceof BastionError) throw error;
    const reason = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
    throw new BastionError('CLI_ERR_ARGUMENT_INVALID', 'the JSON file can not be read', { argument: 'json', reason });
  }
}

/**
 * The bytes of `--frame HEX`, or of hex read from stdin when the value is `-` or absent.
 * Whitespace is ignored so a dump can be pasted as it was printed.
 */
export async function readFrameBytes(value: string | undefined, stdin: AsyncIterable<Buffer | string>): Promise<Buffer> {
  if (value !== undefined && value !== '-' && value.length > inputBytesMax) {
    throw new BastionError('CLI_ERR_INPUT_TOO_LARGE', `the frame may be at most ${inputBytesMax} characters`, { argument: 'frame', bytesMax: inputBytesMax });
  }
  const text = value === undefined || value === '-' ? await readBounded(stdin, 'frame') : value;
  const hex = text.replace(/\s+/g, '');
  if (hex.length === 0) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', 'no frame was given: pass --frame HEX or hex on stdin', { argument: 'frame' });
  return fromHex(hex, 'frame');
}
