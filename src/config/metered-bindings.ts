import { sessionOf } from './d1-session';
import type { Env } from './env';

/**
 * The one place bindings are handed out: `meterBindings(env)` (the first
 * middleware of src/http/app.ts) gives each request an env whose D1, R2, KV and
 * Queue bindings, and whose edge cache (`edgeCacheOf`), count their calls and
 * the time they took. Code receives nothing else, so no path can skip the
 * count: the Server-Timing header (src/delivery/server-timing.ts) and the
 * tests that keep database calls off the hot path read it.
 *
 * Bindings are recognised by their shape, not their names, so a binding added
 * to wrangler.toml is metered without a change here.
 */
export type BindingKind = 'd1' | 'r2' | 'kv' | 'queue' | 'cacheapi';

export const BINDING_KINDS: readonly BindingKind[] = ['d1', 'r2', 'kv', 'queue', 'cacheapi'];

interface BindingUse {
  count: number;
  ms: number;
}

/** Per kind, the calls and time; `log` names each call in order (`d1.first SELECT ...`, `r2.get`), for tests and benchmarks. */
export type BindingMeter = Record<BindingKind, BindingUse> & { log: string[] };

interface Shape {
  /** Methods the binding has and no other kind has. */
  marks: readonly string[];
  /** Methods that reach the service: each call is counted and timed. */
  calls: ReadonlySet<string>;
  /** Methods that return another object of the same binding (a statement, a session, an upload): metered in turn, not counted. */
  factories: ReadonlySet<string>;
  /** Calls whose resolved value is another object of the binding (a multipart upload). */
  resolvedFactories: ReadonlySet<string>;
}

const shape = (marks: string[], calls: string[], factories: string[] = [], resolvedFactories: string[] = []): Shape => ({
  marks,
  calls: new Set(calls),
  factories: new Set(factories),
  resolvedFactories: new Set(resolvedFactories),
});

const SHAPES: Record<Exclude<BindingKind, 'cacheapi'>, Shape> = {
  // A database, its sessions and its prepared statements.
  d1: shape(['prepare', 'batch', 'exec'], ['batch', 'exec', 'dump', 'first', 'all', 'run', 'raw'], ['prepare', 'bind', 'withSession']),
  // A bucket and its multipart uploads.
  r2: shape(
    ['head', 'createMultipartUpload'],
    ['head', 'get', 'put', 'delete', 'list', 'createMultipartUpload', 'uploadPart', 'complete', 'abort'],
    ['resumeMultipartUpload'],
    ['createMultipartUpload'],
  ),
  kv: shape(['getWithMetadata'], ['get', 'getWithMetadata', 'put', 'delete', 'list']),
  queue: shape(['sendBatch'], ['send', 'sendBatch']),
};

const CACHE_SHAPE = shape([], ['match', 'put', 'delete']);

const emptyMeter = (): BindingMeter =>
  Object.assign(Object.fromEntries(BINDING_KINDS.map((k) => [k, { count: 0, ms: 0 }])), { log: [] }) as unknown as BindingMeter;

/** A D1 statement's SQL, cut short: which query a call was. */
const statementOf = (target: object): string => {
  const sql = (target as { statement?: unknown }).statement;
  return typeof sql === 'string' ? ' ' + sql.replace(/\s+/g, ' ').trim().slice(0, 60) : '';
};

const meters = new WeakMap<object, BindingMeter>();
const originals = new WeakMap<object, Env>();
const bookmarks = new WeakMap<object, () => string | null>();

function kindOf(value: unknown): Exclude<BindingKind, 'cacheapi'> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const has = (m: string) => typeof (value as Record<string, unknown>)[m] === 'function';
  // A service binding or RPC stub answers every name with a method: it is none of these kinds.
  if (has('notAMethodOfAnyBinding')) return undefined;
  return (Object.keys(SHAPES) as (keyof typeof SHAPES)[]).find((k) => SHAPES[k].marks.every(has));
}

function metered<T extends object>(target: T, kind: BindingKind, s: Shape, meter: BindingMeter): T {
  const timed = (fn: (...a: unknown[]) => unknown, args: unknown[], prop: string) => {
    const use = meter[kind];
    use.count++;
    meter.log.push(`${kind}.${prop}${statementOf(target)}`);
    const started = performance.now();
    const done = () => (use.ms += performance.now() - started);
    let result: unknown;
    try {
      result = fn.apply(target, args);
    } catch (err) {
      done();
      throw err;
    }
    if (!(result instanceof Promise)) return (done(), result);
    return result.then(
      (value: unknown) => {
        done();
        return s.resolvedFactories.has(prop) && value && typeof value === 'object' ? metered(value, kind, s, meter) : value;
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
  };
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (s.calls.has(prop)) return (...args: unknown[]) => timed(fn, args, prop);
      if (s.factories.has(prop)) return (...args: unknown[]) => metered(fn.apply(t, args) as object, kind, s, meter);
      return fn.bind(t);
    },
  });
}

/**
 * The env a request works with: the same variables, every binding metered for
 * this request alone; with `d1Start`, each D1 database is one session of the
 * Sessions API starting there (src/config/d1-session.ts), metered in turn.
 */
export function meterBindings(env: Env, d1Start?: string): Env {
  const meter = emptyMeter();
  const out: Record<string, unknown> = {};
  let bookmark: (() => string | null) | undefined;
  for (const [name, value] of Object.entries(env)) {
    const kind = kindOf(value);
    out[name] = kind ? metered(value as object, kind, SHAPES[kind], meter) : value;
    if (kind === 'd1' && d1Start !== undefined) {
      const session = sessionOf(out[name] as D1Database, d1Start);
      out[name] = session.db;
      bookmark = session.bookmark;
    }
  }
  const wrapped = out as unknown as Env;
  meters.set(wrapped, meter);
  originals.set(wrapped, originalEnv(env));
  if (bookmark) bookmarks.set(wrapped, bookmark);
  return wrapped;
}

/** The latest D1 bookmark the request's session saw (null before its first query, undefined without a session). */
export const d1BookmarkOf = (env: Env): string | null | undefined => bookmarks.get(env)?.();

/** The calls made so far through a metered env (undefined for one that was not: the queue consumer, some tests). */
export const meterOf = (env: Env): BindingMeter | undefined => meters.get(env);

/** The env the runtime handed over: per-isolate memos key on it, not on a request's metered copy. */
export const originalEnv = (env: Env): Env => originals.get(env) ?? env;

/** This data centre's edge cache (the Cache API), metered like the bindings. */
export function edgeCacheOf(env: Env): Cache {
  const meter = meters.get(env);
  return meter ? metered(caches.default, 'cacheapi', CACHE_SHAPE, meter) : caches.default;
}
