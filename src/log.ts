import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Structured logs: one JSON object per line on the console, which Workers
 * Logs (`[observability]` in wrangler.toml) and `wrangler tail` keep and let
 * one query by field. Each line carries the id of the request it belongs to,
 * the `X-Request-Id` its answer carries, so a user's report finds its lines.
 */
export type LogLevel = 'info' | 'warn' | 'error';

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` as part of the request `requestId`: every log line written meanwhile carries it. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

/** The id of the request being served, if any (a queue batch has none). */
const currentRequestId = (): string | undefined => context.getStore()?.requestId;

/** Writes one log line: level, message, the request id, then the fields given. */
export function logEvent(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, request_id: currentRequestId(), ...fields }, (_k, v: unknown) =>
    v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
  );
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
