import type { Env } from '../../config/env';
import { getSettings } from '../../config/settings';
import type { UrlBase } from '../../protocol/urls';
import type { SearchRequest } from '../../protocol/search/request';
import { contextOf, tagsOf } from '../../storage/listing';
import { searchResources } from '../../storage/search';
import type { ResourceRow } from '../../storage/resources';
import { parseInfo } from '../analysis/semantic';
import { searchResource } from '../answers/search-resource';
import { metadataAnswers } from '../metadata/answer';

export interface SearchAnswer {
  body: Record<string, unknown>;
  dbMs: number;
}

/** Side data `with_field` asks for, read once for the whole page. */
async function extrasOf(env: Env, cloud: string, rows: ResourceRow[], q: SearchRequest) {
  const ids = rows.map((r) => r.id);
  const [tags, context, metadata] = await Promise.all([
    q.withField.has('tags') ? tagsOf(env.DB, ids) : undefined,
    q.withField.has('context') ? contextOf(env.DB, ids) : undefined,
    q.withField.has('metadata') ? metadataAnswers(env.DB, cloud, ids) : undefined,
  ]);
  return { tags, context, metadata };
}

/** `POST resources/search`: the page, `total_count`, `time` (ms), `next_cursor` and `aggregations`. */
export async function runSearch(env: Env, cloud: string, base: UrlBase, q: SearchRequest): Promise<SearchAnswer> {
  const started = Date.now();
  const mode = (await getSettings(env.CONFIG, cloud)).folder_mode;
  const page = await searchResources(env.DB, cloud, mode, q);
  const x = await extrasOf(env, cloud, page.rows, q);
  const resources = page.rows.map((r) =>
    searchResource(r, base, {
      tags: x.tags?.value.get(r.id),
      context: x.context?.value.get(r.id),
      metadata: x.metadata?.get(r.id),
      imageMetadata: q.withField.has('image_metadata') ? (parseInfo(r.info).image_metadata ?? {}) : undefined,
      fields: q.fields,
    }),
  );
  const body: Record<string, unknown> = { total_count: page.totalCount, time: Date.now() - started, resources };
  if (page.nextCursor) body.next_cursor = page.nextCursor;
  if (q.aggregate.length) body.aggregations = page.aggregations;
  return { body, dbMs: page.dbMs + (x.tags?.dbMs ?? 0) + (x.context?.dbMs ?? 0) };
}
