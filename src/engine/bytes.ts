/** Byte runs joined into one buffer (`size`: their total length, when the caller already counts it). */
export function concat(parts: readonly ArrayLike<number>[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
