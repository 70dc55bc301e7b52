/**
 * Counts the frames of an animated GIF or WebP as its bytes stream past, holding
 * at most a 13-byte header in memory whatever the file's size. The upload's
 * sniff sees only the file's head; reading the whole file into a buffer to count
 * the rest would hold a long animation whole, outside any budget.
 *
 * Each format is a walker: a generator that asks for the next `read` bytes
 * (handed to it) or for `skip` bytes (passed over), so the block structure reads
 * as the format's grammar rather than as a state table.
 */
type Step = { read: number } | { skip: number };
type Walker = Generator<Step, void, Uint8Array>;

type CountedFormat = 'gif' | 'webp';

export class FrameCounter {
  private frames = 0;
  private readonly walker: Walker;
  private step: IteratorResult<Step, void>;
  private carry = new Uint8Array(16);
  private carried = 0;

  constructor(private readonly format: CountedFormat) {
    const seen = () => void this.frames++;
    this.walker = format === 'gif' ? gifBlocks(seen) : webpChunks(seen);
    this.step = this.walker.next();
  }

  /** True once the walker has reached the end of the image (or bytes it cannot read); later bytes change nothing. */
  get done(): boolean {
    return this.step.done === true;
  }

  /** Frames as the header sniff reports them: a GIF has at least one, an animated WebP at least two. */
  get pages(): number {
    return Math.max(this.format === 'gif' ? 1 : 2, this.frames);
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (!this.step.done && at < chunk.length) {
      const want = this.step.value;
      if ('skip' in want) {
        const n = Math.min(want.skip, chunk.length - at);
        at += n;
        this.step = want.skip === n ? this.walker.next(new Uint8Array(0)) : { done: false, value: { skip: want.skip - n } };
        continue;
      }
      const n = Math.min(want.read - this.carried, chunk.length - at);
      this.carry.set(chunk.subarray(at, at + n), this.carried);
      this.carried += n;
      at += n;
      if (this.carried === want.read) {
        this.carried = 0;
        this.step = this.walker.next(this.carry.slice(0, want.read));
      }
    }
  }
}

function* gifBlocks(seen: () => void): Walker {
  const screen = yield { read: 13 };
  if (screen[10] & 0x80) yield { skip: 3 << ((screen[10] & 7) + 1) };
  for (;;) {
    const [block] = yield { read: 1 };
    if (block === 0x21) {
      yield { skip: 1 }; // the extension's label
      yield* subBlocks();
    } else if (block === 0x2c) {
      seen();
      const descriptor = yield { read: 9 };
      if (descriptor[8] & 0x80) yield { skip: 3 << ((descriptor[8] & 7) + 1) };
      yield { skip: 1 }; // LZW minimum code size
      yield* subBlocks();
    } else return; // the trailer (0x3b), or bytes that are not a GIF block
  }
}

function* subBlocks(): Walker {
  for (;;) {
    const [length] = yield { read: 1 };
    if (length === 0) return;
    yield { skip: length };
  }
}

function* webpChunks(seen: () => void): Walker {
  yield { skip: 12 }; // RIFF, size, WEBP
  for (;;) {
    const header = yield { read: 8 };
    const fourcc = String.fromCharCode(header[0], header[1], header[2], header[3]);
    if (fourcc === 'ANMF') seen();
    const length = (header[4] | (header[5] << 8) | (header[6] << 16) | (header[7] << 24)) >>> 0;
    yield { skip: length + (length & 1) };
  }
}
