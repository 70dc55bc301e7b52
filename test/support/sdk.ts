import { inject } from 'vitest';
import { DEMO } from './clouds';

/**
 * Cloudinary's own Node SDK pointed at the local worker. The SDK picks http or
 * https when it is first loaded, from CLOUDINARY_URL's upload_prefix (spec
 * §0.1), so the variable is set before the import.
 */
export async function loadSdk() {
  const base = inject('workerUrl');
  process.env.CLOUDINARY_URL = `cloudinary://${DEMO.api_key}:${DEMO.api_secret}@${DEMO.cloud_name}?upload_prefix=${base}`;
  const { v2: cloudinary } = await import('cloudinary');
  const host = new URL(base).host;
  cloudinary.config({ cname: host, secure: false, analytics: false });
  return { cloudinary, base, host };
}

/** Options that make `cloudinary.url()` point at the worker over http (spec §0.2). */
export const LOCAL_URL = { secure: false } as const;

/** A unique id per test, since storage is shared by all tests in the run. */
export const uid = (prefix = 'id') => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
