import { badRequest } from '../../errors';

/** The first index of `needle` in `hay` from `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** A pull reader over the body that keeps only the unconsumed bytes. */
export class Buffered {
  buf: Uint8Array = new Uint8Array(0);
  done = false;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    this.buf = concat(this.buf, value);
    return true;
  }

  /** Reads to the end of the body, refusing more than `limit` bytes after what was consumed. */
  async drain(limit: number, message: string): Promise<void> {
    let n = 0;
    while (await this.fill()) {
      n += this.buf.length;
      this.buf = new Uint8Array(0);
      if (n > limit) throw badRequest(message);
    }
  }

  /** Ensures at least n bytes are buffered (false at end of body). */
  async need(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.fill())) return false;
    return true;
  }
}
