import type { MemoryLease } from '../../engine/budget';
import { PART_SIZE, type Staging, type StagedFile } from '../upload/staging';

/**
 * Create mode's one buffer of size: the archive's chunks are copied into a
 * part of exactly PART_SIZE, charged before it is allocated, and handed whole
 * to the staging writer (which uploads a whole part without copying it); the
 * charge ends once R2 has it. So an archive holds one part however large it is.
 */
export class PartFiller {
  private part: Uint8Array | null = null;
  private filled = 0;

  constructor(
    private readonly staging: Staging,
    private readonly lease: MemoryLease,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      const part = this.part ?? this.open();
      const n = Math.min(chunk.length - at, PART_SIZE - this.filled);
      part.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === PART_SIZE) await this.flush();
    }
  }

  /**
   * The last, shorter part goes in and the upload completes. An archive
   * smaller than one part stays in that part (staging keeps it in memory):
   * its charge then lasts as long as the lease.
   */
  async finish(): Promise<StagedFile> {
    if (this.part) await this.staging.write(this.part.subarray(0, this.filled));
    const staged = await this.staging.finish();
    if (!staged.memory) this.release();
    return staged;
  }

  /** Lets go of a part not handed over (the archive failed). */
  release(): void {
    if (!this.part) return;
    this.part = null;
    this.lease.credit(PART_SIZE);
  }

  private open(): Uint8Array {
    this.lease.charge(PART_SIZE, 'archive multipart part');
    this.part = new Uint8Array(PART_SIZE);
    this.filled = 0;
    return this.part;
  }

  private async flush(): Promise<void> {
    const part = this.part!;
    try {
      await this.staging.write(part);
    } finally {
      this.release();
    }
  }
}
