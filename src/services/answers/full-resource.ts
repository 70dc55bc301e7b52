import type { UrlBase } from '../../protocol/urls';
import { notFound } from '../../errors';
import type { AssetRef } from '../../protocol/asset-ref';
import { getContext, getResource, getTags, type ResourceRow } from '../../storage/resources';
import { decodeCursor, encodeCursor } from '../../storage/cursor';
import { derivedPageOf } from '../../storage/derived';
import { briefResource, fullResource, type DerivedRow } from './resource-shape';
import { metadataAnswers } from '../metadata/answer';
import { relatedPage } from '../../storage/related';
import { parseInfo } from '../analysis/semantic';

/** Revisions live with the backup service; the Admin API lists them under its own names. */
export { listRevisions as revisionsOf, type RevisionRow } from '../../storage/revisions';
import { type RevisionRow, listRevisions as revisionsOf } from '../../storage/revisions';

export interface FullOptions {
  derivedMax: number;
  derivedCursor?: string;
  versions: boolean;
  /** `related=true`: a page of related assets (max_results long) after `related_next_cursor`. */
  related: boolean;
  relatedCursor?: string;
}

/** One page of an asset's derived resources, oldest first. */
async function derivedPage(db: D1Database, r: ResourceRow, max: number, cursor?: string): Promise<{ rows: DerivedRow[]; next?: string }> {
  const after = cursor ? (decodeCursor(cursor, 'n')[0] as number) : 0;
  const rows: DerivedRow[] = await derivedPageOf(db, r.id, after, max + 1);
  if (rows.length <= max) return { rows };
  const page = rows.slice(0, max);
  return { rows: page, next: encodeCursor([page[page.length - 1].id]) };
}

/** `related_assets` (brief resources) and `related_assets_next_cursor` when there are more. */
async function relatedOf(db: D1Database, base: UrlBase, r: ResourceRow, max: number, cursor?: string): Promise<Record<string, unknown>> {
  const after = cursor ? (decodeCursor(cursor, 'n')[0] as number) : 0;
  const rows = await relatedPage(db, r.id, after, max + 1);
  const page = rows.slice(0, max);
  const out: Record<string, unknown> = { related_assets: page.map((x) => briefResource(x, base)) };
  if (rows.length > max) out.related_assets_next_cursor = encodeCursor([page[page.length - 1].id]);
  return out;
}

const versionEntry = (v: { version_id: string; version: number; format: string | null; bytes: number; created_at: string }) => ({
  version_id: v.version_id,
  version: v.version,
  format: v.format ?? '',
  size: v.bytes,
  time: v.created_at,
  restorable: true,
});

/**
 * A deleted asset whose original was backed up still answers, as at
 * Cloudinary: a placeholder with no bytes, from its latest revision, so its
 * versions can be listed and restored.
 */
function placeholderRow(rev: RevisionRow): ResourceRow {
  return {
    id: 0,
    cloud: rev.cloud,
    resource_type: rev.resource_type,
    type: rev.type,
    public_id: rev.public_id,
    asset_id: rev.asset_id,
    version: rev.version,
    version_id: rev.version_id,
    r2_key: '',
    format: rev.format,
    content_type: rev.content_type,
    width: rev.width,
    height: rev.height,
    pages: null,
    bytes: 0,
    etag: rev.etag,
    created_at: rev.created_at,
    uploaded_at: rev.created_at,
    access_mode: 'public',
    moderation_kind: null,
    moderation_status: null,
    moderation_updated_at: null,
    original_filename: null,
    placeholder: 1,
    backup: 1,
    asset_folder: '',
    display_name: null,
    access_control: null,
    coordinates: null,
    info: null,
    source_url: null,
  };
}

/** The full answer for one resource; 404 `Resource not found - <id>` when there is none. */
export async function loadFullResource(db: D1Database, base: UrlBase, a: AssetRef, o: FullOptions): Promise<Record<string, unknown>> {
  const row = await getResource(db, a);
  const revisions = o.versions || !row ? await revisionsOf(db, a) : [];
  if (!row) {
    const latest = revisions[revisions.length - 1];
    if (!latest) throw notFound(`Resource not found - ${a.publicId}`);
    return fullResource(placeholderRow(latest), base, {
      tags: [],
      context: {},
      derived: [],
      versions: o.versions ? revisions.map(versionEntry) : undefined,
    });
  }
  return fullFromRow(db, base, row, o, revisions);
}

export async function fullFromRow(
  db: D1Database,
  base: UrlBase,
  row: ResourceRow,
  o: FullOptions,
  revisions: RevisionRow[] = [],
): Promise<Record<string, unknown>> {
  const [tags, context, derived, metadata] = await Promise.all([
    getTags(db, row.id),
    getContext(db, row.id),
    derivedPage(db, row, o.derivedMax, o.derivedCursor),
    metadataAnswers(db, row.cloud, [row.id]),
  ]);
  const full = fullResource(row, base, {
    tags,
    context,
    derived: derived.rows,
    derivedNextCursor: derived.next,
    versions: o.versions ? [...revisions.map(versionEntry), versionEntry({ ...row, created_at: row.uploaded_at })] : undefined,
  });
  const md = metadata.get(row.id) ?? {};
  if (Object.keys(md).length) full.metadata = md;
  // Analyses the SDK cannot ask resource() for (it sends a fixed list of options) are answered once stored.
  const stored = parseInfo(row.info);
  if (stored.quality_analysis) full.quality_analysis = stored.quality_analysis;
  if (o.related) Object.assign(full, await relatedOf(db, base, row, o.derivedMax, o.relatedCursor));
  return full;
}
