import { Hono, type Context } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import type { CloudCredentials } from '../../config/clouds';
import { badRequest, notFound } from '../../errors';
import { readParams, type Params } from '../../protocol/params';
import { urlBase } from '../../protocol/urls';
import { RESOURCE_TYPES } from '../../protocol/delivery-url';
import { refOf, type ResourceRow } from '../../storage/resources';
import { adminJson } from './respond';
import {
  contextOf,
  countInAssetFolder,
  listResources,
  resourcesByAssetIds,
  resourcesByPublicIds,
  tagsOf,
  type ListFilter,
  type Timed,
} from '../../storage/listing';
import {
  parseDeliveryType,
  parseIds,
  parseListOptions,
  parseMaxResults,
  parseResourceType,
  type ListOptions,
} from '../../protocol/list-params';
import { briefResource } from '../../services/answers/resource-shape';
import { metadataAnswers } from '../../services/metadata/answer';
import { loadFullResource, type FullOptions } from '../../services/answers/full-resource';
import { parseSemanticRequest } from '../../services/analysis/semantic';
import { withSemanticData } from '../../services/analysis/resource-details';

const ASSET_ID = /^[0-9a-f]{32}$/;

/** Brief resources for a page, with tags and context fetched once for the whole page. */
async function briefPage(c: Context<AppEnv>, rows: ResourceRow[], o: ListOptions): Promise<Timed<Record<string, unknown>[]>> {
  const ids = rows.map((r) => r.id);
  const [tags, context, metadata] = await Promise.all([
    o.withTags ? tagsOf(c.env.DB, ids) : undefined,
    o.withContext ? contextOf(c.env.DB, ids) : undefined,
    o.withMetadata && rows.length ? metadataAnswers(c.env.DB, rows[0].cloud, ids) : undefined,
  ]);
  const base = urlBase(c.env, c.req.url);
  const value = rows.map((r) =>
    briefResource(r, base, {
      tags: tags?.value.get(r.id),
      context: context?.value.get(r.id),
      metadata: metadata?.get(r.id),
      withModerations: o.withModerations,
      fields: o.fields,
    }),
  );
  return { value, dbMs: (tags?.dbMs ?? 0) + (context?.dbMs ?? 0) };
}

async function listing(
  c: Context<AppEnv>,
  cloud: CloudCredentials,
  p: Params,
  resourceType: string,
  filter: ListFilter,
): Promise<Response> {
  const page = await listPage(c, cloud, p, resourceType, filter);
  return adminJson(c, page.body, page.dbMs);
}

async function listPage(
  c: Context<AppEnv>,
  cloud: CloudCredentials,
  p: Params,
  resourceType: string,
  filter: ListFilter,
): Promise<{ body: Record<string, unknown>; dbMs: number }> {
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
  return { body, dbMs: page.dbMs + brief.dbMs };
}

/** What `resource` reads besides the asset: derived paging and `versions`. */
const fullOptions = (p: Params): FullOptions => ({
  derivedMax: parseMaxResults(p, 100),
  derivedCursor: p.string('derived_next_cursor') || undefined,
  versions: p.bool('versions', false),
  related: p.bool('related', false),
  relatedCursor: p.string('related_next_cursor') || undefined,
});

/** Every read of the resource index: listings and single resources (https://cloudinary.com/documentation/admin_api#resources). */
export const readRoutes = new Hono<AppEnv>()
  .get('/resources', adminAuth, (c) => {
    return adminJson(c, { resource_types: [...RESOURCE_TYPES] });
  })
  .get('/resources/by_asset_ids', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const o = parseListOptions(p);
    const rows = await resourcesByAssetIds(c.env.DB, cloud.cloudName, parseIds(p, 'asset_ids'));
    return adminJson(c, { resources: (await briefPage(c, rows, o)).value });
  })
  .get('/resources/by_asset_folder', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    if (p.fields.asset_folder === undefined) throw badRequest('Missing required parameter - asset_folder');
    const folder = (p.string('asset_folder') ?? '').replace(/^\/+|\/+$/g, '');
    const [page, total] = await Promise.all([
      listPage(c, cloud, p, 'image', { by: 'asset_folder', folder }),
      countInAssetFolder(c.env.DB, cloud.cloudName, folder),
    ]);
    return adminJson(c, { ...page.body, total_count: total }, page.dbMs);
  })
  .get('/resources/:rt/tags/:tag{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const type = p.string('type');
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), {
      by: 'tag',
      tag: c.req.param('tag'),
      type: type ? parseDeliveryType(type) : undefined,
    });
  })
  .get('/resources/:rt/context', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const key = p.string('key');
    if (!key) throw badRequest('Missing required parameter - key');
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), {
      by: 'context',
      key,
      value: p.fields.value === undefined ? undefined : p.string('value'),
    });
  })
  .get('/resources/:rt/moderations/:kind/:status', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    return listing(c, cloud, p, parseResourceType(c.req.param('rt')), {
      by: 'moderation',
      kind: c.req.param('kind'),
      status: c.req.param('status'),
    });
  })
  .get('/resources/:rt', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const rt = c.req.param('rt');
    const p = await readParams(c.req.raw);
    if (ASSET_ID.test(rt)) {
      const [row] = await resourcesByAssetIds(c.env.DB, cloud.cloudName, [rt]);
      if (!row) throw notFound(`Resource not found - ${rt}`);
      const full = await loadFullResource(c.env.DB, urlBase(c.env, c.req.url), refOf(row), fullOptions(p));
      return adminJson(c, await withSemanticData(c.env, refOf(row), full, parseSemanticRequest(p)));
    }
    return listing(c, cloud, p, parseResourceType(rt), { by: 'type', prefix: p.string('prefix') || undefined });
  })
  .get('/resources/:rt/:type', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const rt = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    if (p.fields.public_ids === undefined) return listing(c, cloud, p, rt, { by: 'type', type, prefix: p.string('prefix') || undefined });
    const o = parseListOptions(p);
    const rows = await resourcesByPublicIds(c.env.DB, cloud.cloudName, rt, type, parseIds(p, 'public_ids'));
    return adminJson(c, { resources: (await briefPage(c, rows, o)).value });
  })
  .get('/resources/:rt/:type/:publicId{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const rt = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    const ref = { cloud: cloud.cloudName, resourceType: rt, type, publicId: c.req.param('publicId') };
    const full = await loadFullResource(c.env.DB, urlBase(c.env, c.req.url), ref, fullOptions(p));
    return adminJson(c, await withSemanticData(c.env, ref, full, parseSemanticRequest(p)));
  });
