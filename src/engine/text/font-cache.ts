import { reportResident } from '../codecs/resident';
import type { FontFace } from './fonts';

/**
 * Uploaded fonts parsed once per isolate and kept, least recently used
 * first out, within a byte bound. What it holds is memory that outlives a
 * request, so it is a standing charge of the engine's memory budget (as kept
 * codec instances are), and is let go when a request needs the room.
 * Keys name the cloud and the stored version, so one tenant's font is never
 * another's and a replaced font is read anew.
 */
export const FONT_CACHE_BYTES = 12 * 1024 * 1024;

const cache = new Map<string, { face: FontFace; bytes: number }>();
let held = 0;

const report = () => reportResident('text fonts', held, clearFonts);

function clearFonts(): void {
  cache.clear();
  held = 0;
}

export function cachedFont(key: string): FontFace | undefined {
  const hit = cache.get(key);
  if (!hit) return undefined;
  cache.delete(key);
  cache.set(key, hit);
  return hit.face;
}

/** Keeps `face` (its bytes are the font file's) unless it alone is over the bound; evicts the oldest to make room. */
export function keepFont(key: string, face: FontFace): void {
  const bytes = face.variants.reduce((n, v) => n + v.buffer.byteLength, 0);
  if (bytes > FONT_CACHE_BYTES) return;
  const old = cache.get(key);
  if (old) held -= old.bytes;
  cache.delete(key);
  for (const [k, v] of cache) {
    if (held + bytes <= FONT_CACHE_BYTES) break;
    cache.delete(k);
    held -= v.bytes;
  }
  cache.set(key, { face, bytes });
  held += bytes;
  report();
}

/** What the cache holds now (tests read it). */
export const fontCacheBytes = () => held;
