import { Hono, type Context } from 'hono';
import { adminCloud, type AppEnv } from '../api/cloud';
import type { CloudCredentials } from '../config/clouds';
import { badRequest, notFound } from '../errors';
import { readParams, type Params } from '../http/params';
import { urlBase } from '../delivery/urls';
import { RESOURCE_TYPES } from '../delivery/url';
import type { ResourceRow } from '../storage/resources';
import { adminJson } from './respond';
import { contextOf, listResources, resourcesByAssetIds, resourcesByPublicIds, tagsOf, type ListFilter, type Timed } from './listing';
import { parseDeliveryType, parseListOptions, parseMaxResults, parseResourceType, type ListOptions } from './list-params';
import { briefResource } from './shape';
import { fullFromRow, loadFullResource } from './resource';

/** Cloudinary's limit on ids in one by-ids request. */
const MAX_IDS = 100;
const ASSET_ID = /^[0-9a-f]{32}$/;

/** Brief resources for a page, with tags and context fetched once for the whole page. */
async function briefPage(c: Context<AppEnv>, rows: ResourceRow[], o: ListOptions): Promise<Timed<Record<string, unknown>[]>> {
  const ids = rows.map((r) => r.id);
  const [tags, context] = await Promise.all([
    o.withTags ? tagsOf(c.env.DB, ids) : undefined,
    o.withContext ? contextOf(c.env.DB, ids) : undefined,
  ]);
  const base = urlBase(c.env, c.req.url);
  const value = rows.map((r) =>
    briefResource(r, base, {
      tags: tags?.value.get(r.id),
      context: context?.value.get(r.id),
      withModerations: o.withModerations,
      fields: o.fields,
    }),
  );
  return { value, dbMs: (tags?.dbMs ?? 0) + (context?.dbMs ?? 0) };
}

async function listing(c: Context<AppEnv>, cloud: CloudCredentials, p: Params, resourceType: string, filter: ListFilter): Promise<Response> {
  const o = parseListOptions(p);
  const page = await listResources(c.env.DB, {
    cloud: cloud.cloudName,
    resourceType,
    filter,
    direction: o.direction,
    maxResults: o.maxResults,
    cursor: o.cursor,
    startAt: o.startAt,
  });
  const brief = await briefPage(c, page.rows, o);
  const body: Record<string, unknown> = { resources: brief.value };
  if (page.nextCursor) body.next_cursor = page.nextCursor;
  return adminJson(c, body, page.dbMs + brief.dbMs);
}

function publicIdsParam(p: Params, key: string): string[] {
  const ids = p.list(key);
  if (ids.length > MAX_IDS) throw badRequest(`Too many ${key}: at most ${MAX_IDS} per request`);
  return ids;
}

async function oneResource(c: Context<AppEnv>, p: Params, row: ResourceRow | null, label: string): Promise<Response> {
  if (!row) throw notFound(`Resource not found - ${label}`);
  return adminJson(
    c,
    await fullFromRow(c.env.DB, urlBase(c.env, c.req.url), row, {
      derivedMax: parseMaxResults(p, 100),
      derivedCursor: p.string('derived_next_cursor') || undefined,
      versions: p.bool('versions', false),
    }),
  );
}

/** Every read of the resource index: listings and single resources (spec §8.2). */
export const readRoutes = new Hono<AppEnv>()
  .get('/v1_1/:cloud/resources', (c) => {
    adminCloud(c);
    return adminJson(c, { resource_types: [...RESOURCE_TYPES] });
  })
  .get('/v1_1/:cloud/resources/by_asset_ids', async (c) => {
    const cloud = adminCloud(c);
    const p = await readParams(c.req.raw);
    const o = parseListOptions(p);
    const rows = await resourcesByAssetIds(c.env.DB, cloud.cloudName, publicIdsParam(p, 'asset_ids'));
    return adminJson(c, { resources: (await briefPage(c, rows, o)).value });
  })
  .get('/v1_1/:cloud/resources/:rt/tags/:tag{.+}', async (c) => {
    const cloud = adminCloud(c);
    const p = await readParams(c.req.raw);
    const type = p.string('type');
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), { by: 'tag', tag: c.req.param('tag'), type: type ? parseDeliveryType(type) : undefined });
  })
  .get('/v1_1/:cloud/resources/:rt/context', async (c) => {
    const cloud = adminCloud(c);
    const p = await readParams(c.req.raw);
    const key = p.string('key');
    if (!key) throw badRequest('Missing required parameter - key');
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), { by: 'context', key, value: p.fields.value === undefined ? undefined : p.string('value') });
  })
  .get('/v1_1/:cloud/resources/:rt/moderations/:kind/:status', async (c) => {
    const cloud = adminCloud(c);
    const p = await readParams(c.req.raw);
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), { by: 'moderation', kind: c.req.param('kind'), status: c.req.param('status') });
  })
  .get('/v1_1/:cloud/resources/:rt', async (c) => {
    const cloud = adminCloud(c);
    const rt = c.req.param('rt');
    const p = await readParams(c.req.raw);
    if (ASSET_ID.test(rt)) {
      const [row] = await resourcesByAssetIds(c.env.DB, cloud.cloudName, [rt]);
      return oneResource(c, p, row ?? null, rt);
    }
    return listing(c, cloud, p, parseResourceType(rt), { by: 'type', prefix: p.string('prefix') || undefined });
  })
  .get('/v1_1/:cloud/resources/:rt/:type', async (c) => {
    const cloud = adminCloud(c);
    const rt = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    if (p.fields.public_ids === undefined) return listing(c, cloud, p, rt, { by: 'type', type, prefix: p.string('prefix') || undefined });
    const o = parseListOptions(p);
    const rows = await resourcesByPublicIds(c.env.DB, cloud.cloudName, rt, type, publicIdsParam(p, 'public_ids'));
    return adminJson(c, { resources: (await briefPage(c, rows, o)).value });
  })
  .get('/v1_1/:cloud/resources/:rt/:type/:publicId{.+}', async (c) => {
    const cloud = adminCloud(c);
    const rt = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    const full = await loadFullResource(
      c.env.DB,
      urlBase(c.env, c.req.url),
      { cloud: cloud.cloudName, resourceType: rt, type, publicId: c.req.param('publicId') },
      { derivedMax: parseMaxResults(p, 100), derivedCursor: p.string('derived_next_cursor') || undefined, versions: p.bool('versions', false) },
    );
    return adminJson(c, full);
  });
