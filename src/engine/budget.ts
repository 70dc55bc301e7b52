import { CldError } from '../errors';

/**
 * The engine's two budgets.
 *
 * Memory: one pool of bytes per isolate, shared by the requests it serves at
 * once. A request is admitted with an estimate of its peak (waiting its turn,
 * first come first served, when the pool is busy) and then charges every large
 * allocation (WASM memories and JS pixel buffers) to its lease *before* making
 * it. A charge beyond the lease grows it from what the pool has free at that
 * moment, or is refused: the work between two awaits is synchronous, so there
 * is nothing to wait for there. Memory that outlives a request (a WASM
 * instance kept for reuse) is a standing charge of the pool.
 *
 * Work: pixel operations per request. Workers' clock does not advance while
 * code computes, so a wall-clock deadline would never fire; counting the
 * pixels each step touches (weighted by what the step costs per pixel) stops a
 * heavy request before it starts the step that would pass the limit.
 *
 * A refusal is a 400 whose message names the limit (and the variable that
 * sets it); nothing is allocated beyond the budget, so the isolate lives on.
 */

/** A refusal by a budget: a 400 whose X-Cld-Error names the limit. */
export class BudgetRefusal extends CldError {
  constructor(
    message: string,
    readonly limit: 'memory' | 'work' | 'queue',
  ) {
    super(400, message);
  }
}

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** What the pool reports (tests and the benchmark read it; nothing decides from it). */
export interface MemoryStats {
  capacity: number;
  /** Bytes held now by leases and standing charges. */
  inUse: number;
  /** The most ever held at once. */
  peak: number;
  /** Requests admitted so far, and how many of them had to wait. */
  admitted: number;
  waited: number;
  /** Refusals by reason. */
  refused: { memory: number; queue: number };
  /** Leases open now. */
  open: number;
  /** The most leases ever open at once. */
  peakOpen: number;
}

interface Waiter {
  bytes: number;
  /** Called with the bytes already taken for the waiter, or with a refusal. */
  wake: (refusal?: BudgetRefusal) => void;
}

export class MemoryBudget {
  private held = 0;
  private standing = new Map<string, number>();
  private queue: Waiter[] = [];
  readonly stats: MemoryStats;
  /**
   * Called when a request does not fit while standing charges hold memory:
   * lets kept WASM instances go and updates their charges (caches yield to requests).
   */
  onPressure?: () => void;

  /**
   * @param capacity bytes the requests of this isolate may hold at once
   * @param maxWaiting requests that may wait for their turn; one more is refused
   */
  constructor(
    capacity: number,
    readonly maxWaiting = 32,
    /** How long a request may wait for its turn (timers run while the isolate waits on I/O, unlike the clock during computation). */
    readonly maxWaitMs = 20_000,
  ) {
    this.stats = { capacity, inUse: 0, peak: 0, admitted: 0, waited: 0, refused: { memory: 0, queue: 0 }, open: 0, peakOpen: 0 };
  }

  get capacity(): number {
    return this.stats.capacity;
  }

  /** Changes the capacity (configuration is read per request); waiters that now fit go in. */
  resize(capacity: number): void {
    this.stats.capacity = capacity;
    this.wakeWaiters();
  }

  get free(): number {
    return this.capacity - this.held;
  }

  /**
   * A lease of `bytes` (the request's estimated peak). Waits while others
   * hold the pool; refuses at once what could never fit, or when too many
   * requests wait already.
   */
  async admit(bytes: number, what: string): Promise<MemoryLease> {
    const need = Math.max(0, Math.ceil(bytes));
    if (need > this.free && this.standingBytes() > 0) this.onPressure?.();
    if (need > this.capacity - this.standingBytes()) {
      this.stats.refused.memory++;
      throw this.refusal(what, need);
    }
    if (this.queue.length > 0 || need > this.free) {
      if (this.queue.length >= this.maxWaiting) {
        this.stats.refused.queue++;
        throw new BudgetRefusal(
          `Too many images in work: ${this.queue.length} requests already wait for the engine's memory budget (ENGINE_MEMORY_MB)`,
          'queue',
        );
      }
      this.stats.waited++;
      await this.wait(need, what);
    } else {
      this.take(need);
    }
    this.stats.admitted++;
    this.stats.open++;
    this.stats.peakOpen = Math.max(this.stats.peakOpen, this.stats.open);
    return new MemoryLease(this, need);
  }

  /** Sets a standing charge (memory kept between requests, e.g. an idle WASM instance); 0 removes it. */
  setStanding(name: string, bytes: number): void {
    const before = this.standing.get(name) ?? 0;
    if (bytes > 0) this.standing.set(name, bytes);
    else this.standing.delete(name);
    this.held += bytes - before;
    this.note();
    if (bytes < before) this.wakeWaiters();
  }

  standingBytes(): number {
    let sum = 0;
    for (const v of this.standing.values()) sum += v;
    return sum;
  }

  /** Synchronous growth for a lease: granted only from what is free now. */
  grow(bytes: number, what: string, leaseHolds: number): void {
    if (bytes > this.free && this.standingBytes() > 0) this.onPressure?.();
    if (bytes > this.free) {
      this.stats.refused.memory++;
      throw this.refusal(what, leaseHolds + bytes);
    }
    this.take(bytes);
  }

  give(bytes: number): void {
    this.held -= bytes;
    this.note();
    this.wakeWaiters();
  }

  closed(): void {
    this.stats.open--;
  }

  private take(bytes: number): void {
    this.held += bytes;
    this.note();
  }

  private note(): void {
    this.stats.inUse = this.held;
    this.stats.peak = Math.max(this.stats.peak, this.held);
  }

  /** Resolves once the bytes are taken for this waiter; refuses after maxWaitMs. */
  private wait(bytes: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        wake: (refusal) => {
          clearTimeout(timer);
          if (refusal) reject(refusal);
          else resolve();
        },
      };
      const timer = setTimeout(() => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        this.stats.refused.queue++;
        waiter.wake(
          new BudgetRefusal(
            `Image could not be processed in time: ${what} waited ${this.maxWaitMs} ms for the engine's memory budget (ENGINE_MEMORY_MB)`,
            'queue',
          ),
        );
        this.wakeWaiters();
      }, this.maxWaitMs);
      this.queue.push(waiter);
    });
  }

  /** First come, first served: the head of the queue goes in when it fits (its bytes taken here, so no later arrival passes it). */
  private wakeWaiters(): void {
    while (this.queue.length > 0 && this.queue[0].bytes <= this.free) {
      const next = this.queue.shift() as Waiter;
      this.take(next.bytes);
      next.wake();
    }
  }

  private refusal(what: string, bytes: number): BudgetRefusal {
    return new BudgetRefusal(
      `Image too large for the memory budget: ${what} needs ${mb(bytes)}, the engine's memory budget is ${mb(this.capacity)} per isolate (ENGINE_MEMORY_MB)`,
      'memory',
    );
  }
}

/** One request's share of the pool. */
export class MemoryLease {
  /** Bytes charged now by the request's allocations. */
  private charged = 0;
  private open = true;
  /** The most the request's allocations held at once. */
  peak = 0;

  constructor(
    private readonly pool: MemoryBudget,
    /** Bytes taken from the pool (the admission estimate, grown as needed). */
    private reserved: number,
  ) {}

  get reservedBytes(): number {
    return this.reserved;
  }

  get chargedBytes(): number {
    return this.charged;
  }

  /** Call before allocating `bytes`: grows the lease from the pool if needed, or refuses. */
  charge(bytes: number, what: string): void {
    if (!this.open) throw new Error('memory lease already closed');
    const need = Math.max(0, Math.ceil(bytes));
    const over = this.charged + need - this.reserved;
    if (over > 0) {
      this.pool.grow(over, what, this.charged);
      this.reserved += over;
    }
    this.charged += need;
    this.peak = Math.max(this.peak, this.charged);
  }

  /** Call after freeing what an earlier charge paid for. The lease keeps its reservation for the request's next step. */
  credit(bytes: number): void {
    this.charged = Math.max(0, this.charged - Math.max(0, Math.ceil(bytes)));
  }

  /** Charges `bytes` for the duration of `run` (an allocation that is gone when `run` returns). */
  during<T>(bytes: number, what: string, run: () => T): T {
    this.charge(bytes, what);
    try {
      return run();
    } finally {
      this.credit(bytes);
    }
  }

  async duringAsync<T>(bytes: number, what: string, run: () => Promise<T>): Promise<T> {
    this.charge(bytes, what);
    try {
      return await run();
    } finally {
      this.credit(bytes);
    }
  }

  /** Returns the whole reservation to the pool (idempotent). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.pool.give(this.reserved);
    this.pool.closed();
    this.reserved = 0;
    this.charged = 0;
  }
}

/** Pixel operations one request may do. */
export class WorkMeter {
  spent = 0;

  constructor(readonly limit: number) {}

  /** Call before a step that touches `pixels` pixels at `weight` operations each; refuses a step that would pass the limit. */
  spend(pixels: number, weight: number, what: string): void {
    const ops = Math.ceil(pixels * weight);
    if (this.spent + ops > this.limit) {
      throw new BudgetRefusal(
        `Image too large to process: ${what} needs ${ops} pixel operations after ${this.spent}, the work budget is ${this.limit} per request (ENGINE_WORK_PIXELS)`,
        'work',
      );
    }
    this.spent += ops;
  }
}

/** What one request carries through the engine. */
export interface RequestBudget {
  memory: MemoryLease;
  work: WorkMeter;
}

/** Defaults: an isolate has 128 MB for everything; code, heap and the request's own bytes need the rest. */
export const DEFAULT_ENGINE_MEMORY_BYTES = 96 * MB;
/** About ten seconds of the benchmark machine's single-thread work at the weights in ./costs.ts (a 24 MP WebP takes six). */
export const DEFAULT_ENGINE_WORK_PIXELS = 10_000_000_000;

let isolateBudget: MemoryBudget | undefined;

/** The isolate's pool, created on first use and resized when the configuration says otherwise. */
export function engineMemory(capacity = DEFAULT_ENGINE_MEMORY_BYTES): MemoryBudget {
  if (!isolateBudget) isolateBudget = new MemoryBudget(capacity);
  else if (isolateBudget.capacity !== capacity) isolateBudget.resize(capacity);
  return isolateBudget;
}
