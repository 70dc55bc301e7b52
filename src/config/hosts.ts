import { badRequest } from '../errors';
import { loadClouds } from './clouds';
import type { Env } from './env';
import { getSettings } from './settings';

/**
 * The per-cloud `hosts` setting: host names that serve one cloud's URLs
 * without the cloud segment, as Cloudinary's `private_cdn`, `cname` and
 * `use_root_path` URLs are built. A host belongs to one cloud at most.
 */
export async function cloudForHost(env: Env, hostname: string): Promise<string | undefined> {
  const host = hostname.toLowerCase();
  const names = [...loadClouds(env).byName.keys()];
  const settings = await Promise.all(names.map((name) => getSettings(env.CONFIG, name)));
  const owners = names.filter((_, i) => settings[i].hosts.includes(host));
  // Two owners can only come from concurrent writes: serve neither rather than guess.
  return owners.length === 1 ? owners[0] : undefined;
}

/** Refuses hosts that another cloud already serves (a cloud must never take over another's URLs). */
export async function checkHostsFree(env: Env, cloud: string, hosts: string[]): Promise<void> {
  for (const host of hosts) {
    const owner = await cloudForHost(env, host);
    if (owner !== undefined && owner !== cloud) throw badRequest(`Invalid value for hosts: ${host} is already used by another cloud`);
  }
}
