import { DomainError } from '../errors';

/**
 * Opaque `next_cursor` values: the sort key of the last row of a page, so the
 * next page starts strictly after it (a keyset). Rows added meanwhile never
 * shift a page, so paging neither repeats nor skips an asset.
 */
export type CursorKey = ReadonlyArray<string | number>;

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export function encodeCursor(key: CursorKey): string {
  return b64url(JSON.stringify(key));
}

/** The key of a cursor with `shape` (one "s", "n" (an integer) or "f" (any finite number) per column); anything else is a 400. */
export function decodeCursor(raw: string, shape: string): CursorKey {
  let key: unknown;
  try {
    const bin = atob(raw.replace(/-/g, '+').replace(/_/g, '/'));
    key = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    throw new DomainError('invalid', `Invalid next_cursor ${raw}`);
  }
  const ok =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((v, i) => (shape[i] === 'n' ? Number.isSafeInteger(v) : shape[i] === 'f' ? Number.isFinite(v) : typeof v === 'string'));
  if (!ok) throw new DomainError('invalid', `Invalid next_cursor ${raw}`);
  return key as CursorKey;
}
