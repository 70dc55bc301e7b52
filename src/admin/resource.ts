import type { UrlBase } from '../delivery/urls';
import { notFound } from '../errors';
import type { AssetRef } from '../storage/keys';
import { getContext, getResource, getTags, type ResourceRow } from '../storage/resources';
import { ensureSchema } from '../storage/schema';
import { decodeCursor, encodeCursor } from './cursor';
import { fullResource, type DerivedRow } from './shape';

/** A backed-up original in `revisions`. */
export interface RevisionRow {
  id: number;
  cloud: string;
  resource_type: string;
  type: string;
  public_id: string;
  asset_id: string;
  version: number;
  version_id: string;
  r2_key: string;
  format: string | null;
  content_type: string;
  width: number | null;
  height: number | null;
  bytes: number;
  etag: string;
  created_at: string;
  reason: string;
}

export interface FullOptions {
  derivedMax: number;
  derivedCursor?: string;
  versions: boolean;
}

export async function revisionsOf(db: D1Database, a: AssetRef): Promise<RevisionRow[]> {
  await ensureSchema(db);
  const rows = await db
    .prepare('SELECT * FROM revisions WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ? ORDER BY version, id')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .all<RevisionRow>();
  return rows.results;
}

/** One page of an asset's derived resources, oldest first. */
async function derivedPage(db: D1Database, r: ResourceRow, max: number, cursor?: string): Promise<{ rows: DerivedRow[]; next?: string }> {
  const after = cursor ? (decodeCursor(cursor, 'n')[0] as number) : 0;
  const rows = (
    await db
      .prepare('SELECT id, transformation, format, bytes, version, width, height FROM derived WHERE resource_id = ? AND id > ? ORDER BY id LIMIT ?')
      .bind(r.id, after, max + 1)
      .all<DerivedRow>()
  ).results;
  if (rows.length <= max) return { rows };
  const page = rows.slice(0, max);
  return { rows: page, next: encodeCursor([page[page.length - 1].id]) };
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

export async function fullFromRow(db: D1Database, base: UrlBase, row: ResourceRow, o: FullOptions, revisions: RevisionRow[] = []): Promise<Record<string, unknown>> {
  const [tags, context, derived] = await Promise.all([getTags(db, row.id), getContext(db, row.id), derivedPage(db, row, o.derivedMax, o.derivedCursor)]);
  return fullResource(row, base, {
    tags,
    context,
    derived: derived.rows,
    derivedNextCursor: derived.next,
    versions: o.versions ? [...revisions.map(versionEntry), versionEntry({ ...row, created_at: row.uploaded_at })] : undefined,
  });
}
