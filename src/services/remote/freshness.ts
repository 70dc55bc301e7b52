import { MIN_FETCH_TTL_SECONDS } from '../../config/limits';

/**
 * How long a fetched original is kept before the origin is asked again.
 * FETCH_TTL_SECONDS is the ceiling; an origin may ask for less with
 * `Cache-Control: max-age`/`s-maxage` (or `Expires`), and `no-store`,
 * `no-cache` or `private` bring it down to the floor. The floor keeps a busy
 * fetch URL from loading the origin on every delivery.
 */
export function keepSeconds(headers: Headers, ceiling: number, now = Date.now()): number {
  const cc = (headers.get('Cache-Control') ?? '').toLowerCase();
  const directives = new Map(
    cc
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [k, v] = d.split('=');
        return [k.trim(), (v ?? '').trim().replace(/^"|"$/g, '')] as const;
      }),
  );
  // A deployment that sets FETCH_TTL_SECONDS below the floor gets what it asked for.
  const floor = Math.min(MIN_FETCH_TTL_SECONDS, ceiling);
  const clamp = (s: number) => Math.max(floor, Math.min(ceiling, s));
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return clamp(0);
  for (const k of ['s-maxage', 'max-age']) {
    const v = directives.get(k);
    if (v !== undefined && /^\d+$/.test(v)) return clamp(Number(v));
  }
  const expires = Date.parse(headers.get('Expires') ?? '');
  if (Number.isFinite(expires)) return clamp(Math.floor((expires - now) / 1000));
  return ceiling;
}
