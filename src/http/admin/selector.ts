import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';
import type { AssetSelector } from '../../storage/resources';

/** Cloudinary takes at most 100 public ids per call. */
const MAX_PUBLIC_IDS = 100;

/** Which assets a bulk call (update_access_mode, publish) acts on: exactly one of public_ids, prefix or tag. */
export function parseSelector(p: Params): AssetSelector {
  const ids = p.list('public_ids');
  const prefix = p.string('prefix');
  const tag = p.string('tag');
  const given = [ids.length > 0, !!prefix, !!tag].filter(Boolean).length;
  if (given === 0) throw badRequest('Must supply public_ids, prefix or tag');
  if (given > 1) throw badRequest('Supply only one of public_ids, prefix or tag');
  if (ids.length > MAX_PUBLIC_IDS) throw badRequest(`Too many public_ids: at most ${MAX_PUBLIC_IDS} per call`);
  if (ids.length) return { by: 'ids', ids: [...new Set(ids)] };
  return prefix ? { by: 'prefix', prefix } : { by: 'tag', tag: tag ?? '' };
}
