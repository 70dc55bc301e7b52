/**
 * Adds V8 flags to a workerd configuration as miniflare sends it: a binary
 * Cap'n Proto message whose root is workerd's `Config` struct, where
 * `v8Flags :List(Text)` is pointer 2 (workerd.capnp). Wrangler 4.86's
 * miniflare, the last for Node 20, has no option for the field, so the
 * flags go in as a new segment that the field points to with a far
 * pointer; the existing segments are kept byte for byte. A message of any
 * other shape (a root that is not a plain struct pointer, flags already
 * set) is returned as it came; an empty list (newer miniflares write one)
 * counts as no flags.
 */
const V8_FLAGS_POINTER = 2;

export function withV8Flags(message: Uint8Array, flags: string[]): Uint8Array {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const segments = view.getUint32(0, true) + 1;
  const header = 4 * (1 + segments) + (segments % 2 === 0 ? 4 : 0);
  const sizes = Array.from({ length: segments }, (_, i) => view.getUint32(4 * (1 + i), true));
  if (header + 8 * sizes.reduce((a, b) => a + b, 0) !== message.byteLength) return message;
  // The root pointer, first word of segment 0: a struct pointer (tag 0) to the Config struct.
  const rootLow = view.getUint32(header, true);
  const rootHigh = view.getUint32(header + 4, true);
  if ((rootLow & 3) !== 0 || rootHigh >>> 16 <= V8_FLAGS_POINTER) return message;
  const structWord = 1 + (rootLow >> 2);
  const slot = header + 8 * (structWord + (rootHigh & 0xffff) + V8_FLAGS_POINTER);
  if (slot + 8 > header + 8 * sizes[0] || !isEmpty(view, slot)) return message;

  // The new segment: a landing pad (a list pointer), the list of text pointers, then the texts (NUL-terminated, word-aligned).
  const texts = flags.map((f) => new TextEncoder().encode(`${f}\0`));
  const textWords = texts.map((t) => Math.ceil(t.length / 8));
  const words = 1 + flags.length + textWords.reduce((a, b) => a + b, 0);
  const added = new Uint8Array(8 * words);
  const out = new DataView(added.buffer);
  const listPointer = (at: number, target: number, elementSize: number, count: number) => {
    out.setUint32(8 * at, ((target - at - 1) << 2) | 1, true);
    out.setUint32(8 * at + 4, (count << 3) | elementSize, true);
  };
  listPointer(0, 1, 6, flags.length);
  let next = 1 + flags.length;
  texts.forEach((t, i) => {
    listPointer(1 + i, next, 2, t.length);
    added.set(t, 8 * next);
    next += textWords[i];
  });

  const newHeader = 4 * (2 + segments) + ((segments + 1) % 2 === 0 ? 4 : 0);
  const result = new Uint8Array(newHeader + (message.byteLength - header) + added.byteLength);
  const rv = new DataView(result.buffer);
  rv.setUint32(0, segments, true);
  sizes.forEach((s, i) => rv.setUint32(4 * (1 + i), s, true));
  rv.setUint32(4 * (1 + segments), words, true);
  result.set(message.subarray(header), newHeader);
  result.set(added, newHeader + (message.byteLength - header));
  // A single far pointer (tag 2) to the landing pad at word 0 of the new segment.
  const newSlot = slot - header + newHeader;
  rv.setUint32(newSlot, (0 << 3) | 2, true);
  rv.setUint32(newSlot + 4, segments, true);
  return result;
}

/** A null pointer, or a list pointer (tag 1) with no elements. */
function isEmpty(view: DataView, at: number): boolean {
  const low = view.getUint32(at, true);
  const high = view.getUint32(at + 4, true);
  return (low === 0 && high === 0) || ((low & 3) === 1 && high >>> 3 === 0);
}
