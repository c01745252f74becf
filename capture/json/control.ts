// JSON allows no control character (below U+0020) in a string; in the text of JSON lines a newline only
// ends a line. Whether a stretch of bytes holds any other control byte is the one check on every byte
// that indexing a text needs beyond what the indexer reads itself, so it is done four bytes at a time:
// (x - 0x20202020) & ~x & 0x80808080 is non-zero exactly when one of the four bytes of x is below 0x20.
// UTF-8 needs no care: bytes of multi-byte sequences are all 0x80 or above.

/** Whether `bytes[start, end)` holds no control byte (but newlines (0x0a) when `newlines` says they may be there). */
export function controlFree(bytes: Uint8Array, start: number, end: number, newlines: boolean): boolean {
  const allowed = newlines ? 0x0a : -1;
  let i = start;
  // Bytes up to the first 4-byte boundary of the underlying buffer, one at a time.
  while (i < end && (bytes.byteOffset + i) % 4 !== 0) {
    if (bytes[i]! < 0x20 && bytes[i] !== allowed) return false;
    i++;
  }
  const words = (end - i) >> 4 << 2; // a multiple of four: four words a turn
  // The bytes after the last whole turn are checked before the words, not after: V8 compiles the word
  // loop on the stack (OSR) while it runs the first time, and whatever follows the loop has then never
  // run; that code's first use threw the compiled loop away again, once per call.
  for (let b = i + words * 4; b < end; b++) {
    if (bytes[b]! < 0x20 && bytes[b] !== allowed) return false;
  }
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w += 4) {
      const x = view[w]!;
      const y = view[w + 1]!;
      const z = view[w + 2]!;
      const v = view[w + 3]!;
      if (((((x - 0x20202020) & ~x) | ((y - 0x20202020) & ~y) | ((z - 0x20202020) & ~z) | ((v - 0x20202020) & ~v)) & 0x80808080) !== 0) {
        // Some byte of the four words is below 0x20: fine only if every such byte is an allowed newline.
        for (let b = i + w * 4; b < i + w * 4 + 16; b++) {
          if (bytes[b]! < 0x20 && bytes[b] !== allowed) return false;
        }
      }
    }
  }
  return true;
}
