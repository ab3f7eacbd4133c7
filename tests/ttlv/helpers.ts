/**
 * Shared helpers for the TTLV tests. Not a test file.
 */

/** Splits `buf` at the given (sorted, in-range) cut points. */
export function cut(buf: Buffer, points: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}
