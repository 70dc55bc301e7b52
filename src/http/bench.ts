import { Hono } from 'hono';
import type { AppEnv } from './cloud';
import { notFound } from '../errors';
import { configFrom } from '../config/config';
import { cacheControl, deliveryHeaders, respondWithBody } from '../protocol/delivery-headers';

/**
 * `GET /__bench/static/<bytes>`: the floor the cache benchmark compares a hit
 * with. The same worker answers a body of that size from memory with the same
 * headers as a delivery, without parsing, access checks or any lookup. Only
 * with ENABLE_DEMO_PAGES=true (local demos, tests, the benchmark).
 */
const MAX_BYTES = 16 * 1024 * 1024;
const bodies = new Map<number, Uint8Array>();

export const benchRoutes = new Hono<AppEnv>().on(['GET', 'HEAD'], '/__bench/static/:bytes', (c) => {
  const bytes = Number(c.req.param('bytes'));
  if (!configFrom(c.env).enableDemoPages || !Number.isInteger(bytes) || bytes < 0 || bytes > MAX_BYTES) throw notFound('Not found');
  let body = bodies.get(bytes);
  if (!body) bodies.set(bytes, (body = new Uint8Array(bytes).fill(0x5a)));
  const headers = deliveryHeaders(
    { contentType: 'image/jpeg', bytes, etag: `bench-${bytes}`, lastModified: new Date(0) },
    cacheControl(true, 0),
  );
  return respondWithBody(c.req.raw, body, headers);
});
