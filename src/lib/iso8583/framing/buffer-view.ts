/** A Buffer over the same memory as `bytes[start, end)`: no copy, so changes to one show in the other. */
export function bufferView(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.isBuffer(bytes) ? bytes.subarray(start, end) : Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}
