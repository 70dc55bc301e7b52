import type { Env } from '../../config/env';
import { configFrom } from '../../config/config';
import { guardedFetch } from '../remote/fetcher';
import { allowPrivateFrom } from '../remote/policy';
import { StagedFile } from './staging';
import type { ReceivedFile } from './upload';
import { uploadLoadError } from './remote-load-error';

/**
 * `file=http(s)://...`: the worker fetches the file through the guarded
 * fetcher (no private addresses unless ALLOW_PRIVATE_NETWORK_FETCH, size and
 * time limits, each redirect checked). What it is, is decided from its bytes
 * afterwards, as for any upload. A failure to load is a 400 in Cloudinary's words.
 */
export async function fetchRemoteFile(env: Env, url: URL): Promise<ReceivedFile> {
  const limits = configFrom(env).limits;
  const fetched = await guardedFetch(url.href, {
    allowPrivate: allowPrivateFrom(env),
    maxBytes: Math.min(limits.maxFetchBytes, limits.maxUploadBytes),
    timeoutMs: limits.fetchTimeoutMs,
    accept: 'any',
  }).catch((err: unknown) => {
    throw uploadLoadError(err, url.href);
  });
  const name = decodeURIComponent(new URL(fetched.finalUrl).pathname.split('/').pop() ?? '') || null;
  return { file: await StagedFile.fromMemory(env.BUCKET, fetched.bytes), filename: name, sourceUrl: url.href };
}
