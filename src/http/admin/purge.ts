import { Hono } from 'hono';
import { badRequest } from '../../errors';
import { adminAuth, type AppEnv } from '../cloud';
import { DELIVERY_TYPES, RESOURCE_TYPES } from '../../protocol/delivery-url';
import { purgeSelection, type PurgeSelection } from '../../services/cache/purge';

/** `POST /v1_1/<cloud>/purge` (an extension, not a Cloudinary API): removes cached answers and says how many. */
export const purgeRoutes = new Hono<AppEnv>().post('/purge', adminAuth, async (c) => {
  const cloud = c.get('cloud');
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw badRequest('Purge parameters must be a JSON object');
  }
  return c.json(await purgeSelection(c.env, cloud.cloudName, parsePurgeBody(body)));
});

const stringOf = (o: Record<string, unknown>, k: string): string | undefined => {
  const v = o[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid value for ${k}: must be a string`);
  return v;
};

const stringsOf = (o: Record<string, unknown>, k: string): string[] | undefined => {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== ''))
    throw badRequest(`Invalid value for ${k}: must be an array of strings`);
  return v;
};

const FIELDS = new Set(['public_ids', 'prefix', 'tag', 'urls', 'all', 'resource_type', 'type']);

function parsePurgeBody(body: unknown): PurgeSelection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Purge parameters must be a JSON object');
  const o = body as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FIELDS.has(k));
  if (unknown) throw badRequest(`Unknown purge parameter: ${unknown}`);
  if (o.all !== undefined && typeof o.all !== 'boolean') throw badRequest('Invalid value for all: must be a boolean');
  const resourceType = stringOf(o, 'resource_type');
  if (resourceType && !(RESOURCE_TYPES as readonly string[]).includes(resourceType))
    throw badRequest(`Invalid resource type ${resourceType}`);
  const type = stringOf(o, 'type');
  if (type && !(DELIVERY_TYPES as readonly string[]).includes(type)) throw badRequest(`Invalid type ${type}`);
  return {
    publicIds: stringsOf(o, 'public_ids'),
    prefix: stringOf(o, 'prefix'),
    tag: stringOf(o, 'tag'),
    urls: stringsOf(o, 'urls'),
    all: o.all === true,
    resourceType,
    type,
  };
}
