import { DomainError } from '../errors';
import { randomId, toHex } from '../auth/crypto';
import { assetPrefix, originalKey, versionOfKey } from './keys';
import type { AssetRef } from '../protocol/asset-ref';
import { getResource, type ResourceRow } from './resources';

/**
 * The asset service: the one place that writes originals and their index
 * rows. Uploads, auto-upload, admin and background jobs all go through it.
 *
 * Crash safety: bytes are written to R2 first under a fresh key, the D1 row
 * last; a crash leaves at most unreferenced bytes, never a row that points at
 * nothing. Deletion removes the row first, then the bytes.
 *
 * Concurrency: every write takes its own version from `version_seq` (an atomic
 * upsert), and the row is replaced only by a higher version. Parallel writers
 * to one public id therefore serialise by version: the highest wins, the
 * others are as if overwritten at once, and their bytes are removed.
 */
export interface PutOriginal {
  ref: AssetRef;
  /** The bytes; a stream must come with its exact `bytes` count (R2 needs the length). */
  body: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array;
  bytes: number;
  /** MD5 hex of the bytes, computed by the caller while reading them. */
  etag: string;
  contentType: string;
  format: string | null;
  width?: number | null;
  height?: number | null;
  pages?: number | null;
  overwrite: boolean;
  /** Keep the replaced original as a backup revision. */
  backup?: boolean;
  tags?: string[];
  context?: Record<string, string>;
  accessMode?: string;
  moderation?: { kind: string; status: string } | null;
  originalFilename?: string | null;
  assetFolder?: string;
  displayName?: string | null;
  accessControl?: string | null;
  coordinates?: string | null;
  info?: string | null;
  sourceUrl?: string | null;
  placeholder?: boolean;
  now?: Date;
}

export interface PutResult {
  resource: ResourceRow;
  /** True when an asset of this public id existed before and was replaced. */
  overwritten: boolean;
  /** True when overwrite was false and the existing asset was kept. */
  existing: boolean;
  /** The version of the asset this write found in place, if any (what `invalidate` removes URLs of). */
  previousVersion: number | null;
}

/** Takes the next version of a public id, at least `floor` (RETURNING last_version); batched by moves of many assets. */
export const nextVersionStatement = (db: D1Database, a: AssetRef, floor: number) =>
  db
    .prepare(
      `INSERT INTO version_seq (cloud, resource_type, type, public_id, last_version) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (cloud, resource_type, type, public_id)
       DO UPDATE SET last_version = max(excluded.last_version, version_seq.last_version + 1)
       RETURNING last_version`,
    )
    .bind(a.cloud, a.resourceType, a.type, a.publicId, floor);

async function nextVersion(db: D1Database, a: AssetRef, floor: number): Promise<number> {
  const row = await nextVersionStatement(db, a, floor).first<{ last_version: number }>();
  if (!row) throw new DomainError('internal', 'Could not allocate a version');
  return row.last_version;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function putOriginal(env: { BUCKET: R2Bucket; DB: D1Database }, p: PutOriginal): Promise<PutResult> {
  const db = env.DB;
  const a = p.ref;
  const now = p.now ?? new Date();

  const before = await getResource(db, a);
  if (before && !p.overwrite) {
    if (p.body instanceof ReadableStream) await p.body.cancel();
    return { resource: before, overwritten: false, existing: true, previousVersion: before.version };
  }

  const version = await nextVersion(db, a, Math.floor(now.getTime() / 1000));
  const key = originalKey(a, version, randomId(8));
  await env.BUCKET.put(key, p.body instanceof ReadableStream ? withLength(p.body, p.bytes) : p.body, {
    httpMetadata: { contentType: p.contentType },
  });

  const versionId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const assetId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const created = iso(now);
  const match = 'cloud = ? AND resource_type = ? AND type = ? AND public_id = ?';
  const ids = [a.cloud, a.resourceType, a.type, a.publicId] as const;
  const resourceId = `(SELECT id FROM resources WHERE ${match})`;

  const statements: D1PreparedStatement[] = [];
  if (p.backup) {
    // The original being replaced becomes a revision, in the same transaction
    // and under the same condition as the replacement itself.
    statements.push(
      db
        .prepare(
          `INSERT INTO revisions (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, width, height, bytes, etag, created_at, reason)
         SELECT cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, width, height, bytes, etag, uploaded_at, 'overwrite'
         FROM resources WHERE ${match} AND version < ?`,
        )
        .bind(...ids, version),
    );
  }
  const upsert = db
    .prepare(
      `INSERT INTO resources (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type,
         width, height, pages, bytes, etag, created_at, uploaded_at, access_mode, moderation_kind, moderation_status, moderation_updated_at,
         original_filename, placeholder, backup, asset_folder, display_name, access_control, coordinates, info, source_url)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cloud, resource_type, type, public_id) DO UPDATE SET
         version = excluded.version, version_id = excluded.version_id, r2_key = excluded.r2_key, format = excluded.format,
         content_type = excluded.content_type, width = excluded.width, height = excluded.height, pages = excluded.pages,
         bytes = excluded.bytes, etag = excluded.etag, uploaded_at = excluded.uploaded_at, access_mode = excluded.access_mode,
         moderation_kind = excluded.moderation_kind, moderation_status = excluded.moderation_status,
         moderation_updated_at = excluded.moderation_updated_at, original_filename = excluded.original_filename,
         placeholder = excluded.placeholder, backup = max(resources.backup, excluded.backup), asset_folder = excluded.asset_folder,
         display_name = excluded.display_name, access_control = excluded.access_control, coordinates = excluded.coordinates,
         info = excluded.info, source_url = excluded.source_url
       WHERE resources.version < excluded.version
       RETURNING id, created_at`,
    )
    .bind(
      ...ids,
      assetId,
      version,
      versionId,
      key,
      p.format,
      p.contentType,
      p.width ?? null,
      p.height ?? null,
      p.pages ?? null,
      p.bytes,
      p.etag,
      created,
      created,
      p.accessMode ?? 'public',
      p.moderation?.kind ?? null,
      p.moderation?.status ?? null,
      p.moderation ? created : null,
      p.originalFilename ?? null,
      p.placeholder ? 1 : 0,
      p.backup ? 1 : 0,
      p.assetFolder ?? '',
      p.displayName ?? null,
      p.accessControl ?? null,
      p.coordinates ?? null,
      p.info ?? null,
      p.sourceUrl ?? null,
    );
  statements.push(upsert);
  // Tags, context and derived rows follow the winning version only.
  const won = `EXISTS (SELECT 1 FROM resources WHERE ${match} AND version = ?)`;
  statements.push(db.prepare(`DELETE FROM resource_tags WHERE resource_id = ${resourceId} AND ${won}`).bind(...ids, ...ids, version));
  statements.push(db.prepare(`DELETE FROM resource_context WHERE resource_id = ${resourceId} AND ${won}`).bind(...ids, ...ids, version));
  statements.push(db.prepare(`DELETE FROM derived WHERE resource_id = ${resourceId} AND ${won}`).bind(...ids, ...ids, version));
  for (const tag of new Set(p.tags ?? [])) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO resource_tags (resource_id, cloud, tag) SELECT id, cloud, ? FROM resources WHERE ${match} AND version = ?`,
        )
        .bind(tag, ...ids, version),
    );
  }
  for (const [k, v] of Object.entries(p.context ?? {})) {
    statements.push(
      db
        .prepare(
          `INSERT OR REPLACE INTO resource_context (resource_id, cloud, key, value) SELECT id, cloud, ?, ? FROM resources WHERE ${match} AND version = ?`,
        )
        .bind(k, v, ...ids, version),
    );
  }
  const results = await db.batch(statements);
  const committed = (results[p.backup ? 1 : 0].results as unknown[]).length > 0;

  const current = await getResource(db, a);
  if (current) await removeSuperseded(env, a, current.r2_key, current.version);
  else await env.BUCKET.delete(key); // destroyed meanwhile
  if (!current) throw new DomainError('not_found', `Resource not found - ${a.publicId}`);
  // When a parallel writer committed a higher version, ours was overwritten at once.
  return { resource: current, overwritten: !!before || !committed, existing: false, previousVersion: before?.version ?? null };
}

/** R2 needs the length of a streamed body up front. */
export function withLength(body: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const fixed = new FixedLengthStream(length);
  body.pipeTo(fixed.writable).catch(() => undefined);
  return fixed.readable;
}

/**
 * Deletes originals of this asset older than the current version (superseded
 * or lost writes), except those kept as backup revisions. Objects of versions
 * above the current one belong to writes still in flight and are left alone.
 */
export async function removeSuperseded(
  env: { BUCKET: R2Bucket; DB: D1Database },
  a: AssetRef,
  keepKey: string | undefined,
  maxVersion: number,
): Promise<void> {
  const listed = await listAll(env.BUCKET, assetPrefix('o', a));
  const candidates = listed.filter((k) => k !== keepKey && (versionOfKey(k) ?? 0) <= maxVersion);
  if (!candidates.length) return;
  const kept = new Set(
    (
      await env.DB.prepare(`SELECT r2_key FROM revisions WHERE r2_key IN (${candidates.map(() => '?').join(',')})`)
        .bind(...candidates)
        .all<{ r2_key: string }>()
    ).results.map((r) => r.r2_key),
  );
  const doomed = candidates.filter((k) => !kept.has(k));
  if (doomed.length) await env.BUCKET.delete(doomed);
}

export async function listAll(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/**
 * Removes an asset: the row (with its tags, context and derived rows) first,
 * then its bytes. With `backup`, the original stays in R2 as a revision.
 * Returns the row that was removed, or null when there was none.
 */
export async function destroyAsset(
  env: { BUCKET: R2Bucket; DB: D1Database },
  a: AssetRef,
  opts: { backup?: boolean; keepDerived?: boolean } = {},
): Promise<ResourceRow | null> {
  const db = env.DB;
  const row = await getResource(db, a);
  if (!row) return null;
  const statements: D1PreparedStatement[] = [];
  if (opts.backup || row.backup) {
    statements.push(
      db
        .prepare(
          `INSERT INTO revisions (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, width, height, bytes, etag, created_at, reason)
         SELECT cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, width, height, bytes, etag, uploaded_at, 'delete'
         FROM resources WHERE id = ? AND version = ?`,
        )
        .bind(row.id, row.version),
    );
  }
  statements.push(db.prepare('DELETE FROM resource_tags WHERE resource_id = ?').bind(row.id));
  statements.push(db.prepare('DELETE FROM resource_context WHERE resource_id = ?').bind(row.id));
  statements.push(db.prepare('DELETE FROM derived WHERE resource_id = ?').bind(row.id));
  statements.push(db.prepare('DELETE FROM resources WHERE id = ? AND version = ?').bind(row.id, row.version));
  const results = await db.batch(statements);
  if ((results[results.length - 1].meta.changes ?? 0) === 0) return null; // replaced meanwhile by a newer write
  await removeSuperseded(env, a, undefined, row.version);
  if (!opts.keepDerived) {
    const derived = await listAll(env.BUCKET, assetPrefix('d', a));
    if (derived.length) await env.BUCKET.delete(derived);
  }
  return row;
}

/**
 * Moves an asset to another public id and/or type. The bytes are copied to
 * the target's key first (crash safety as in putOriginal), then one batch
 * moves the row, dropping a replaced target and the derived rows; the old
 * objects go last. The target gets a version at least the source's.
 */
export async function renameAsset(
  env: { BUCKET: R2Bucket; DB: D1Database },
  from: AssetRef,
  to: AssetRef,
  opts: { overwrite: boolean },
): Promise<ResourceRow> {
  const db = env.DB;
  const src = await getResource(db, from);
  if (!src) throw new DomainError('not_found', `Resource not found - ${from.publicId}`);
  if (from.type === to.type && from.publicId === to.publicId) return src;
  const target = await getResource(db, to);
  if (target && !opts.overwrite) throw new DomainError('already_exists', `to_public_id ${to.publicId} already exists`);

  const version = await nextVersion(db, to, src.version);
  const key = originalKey(to, version, randomId(8));
  const obj = await env.BUCKET.get(src.r2_key);
  if (!obj) throw new DomainError('not_found', `Resource not found - ${from.publicId}`);
  await env.BUCKET.put(key, withLength(obj.body, obj.size), { httpMetadata: { contentType: src.content_type } });

  const statements: D1PreparedStatement[] = [];
  if (target) {
    for (const table of ['resource_tags', 'resource_context', 'derived']) {
      statements.push(db.prepare(`DELETE FROM ${table} WHERE resource_id = ?`).bind(target.id));
    }
    statements.push(db.prepare('DELETE FROM resources WHERE id = ? AND version = ?').bind(target.id, target.version));
  }
  statements.push(db.prepare('DELETE FROM derived WHERE resource_id = ?').bind(src.id));
  statements.push(
    db
      .prepare('UPDATE resources SET public_id = ?, type = ?, version = ?, r2_key = ? WHERE id = ? AND version = ?')
      .bind(to.publicId, to.type, version, key, src.id, src.version),
  );
  let moved = false;
  try {
    const results = await db.batch(statements);
    moved = (results[results.length - 1].meta.changes ?? 0) > 0;
  } catch (err) {
    await env.BUCKET.delete(key);
    // A parallel upload created the target between our check and the batch.
    if (/UNIQUE/i.test(String(err))) throw new DomainError('already_exists', `to_public_id ${to.publicId} already exists`);
    throw err;
  }
  if (!moved) {
    await env.BUCKET.delete(key);
    throw new DomainError('not_found', `Resource not found - ${from.publicId}`);
  }
  await removeSuperseded(env, from, undefined, src.version);
  const oldDerived = [
    ...(await listAll(env.BUCKET, assetPrefix('d', from))),
    ...(target ? await listAll(env.BUCKET, assetPrefix('d', to)) : []),
  ];
  if (oldDerived.length) await env.BUCKET.delete(oldDerived);
  if (target) await removeSuperseded(env, to, key, version);
  const moved_ = await getResource(db, to);
  if (!moved_) throw new DomainError('not_found', `Resource not found - ${to.publicId}`);
  return moved_;
}

/**
 * What an update of an asset changes (the Admin API's update, `explicit`,
 * moderation decisions): only what is given. Tags and context are replaced
 * as a whole; `coordinates` is the JSON as stored.
 */
export interface AssetUpdate {
  tags?: string[];
  context?: Record<string, string>;
  moderationStatus?: string;
  accessControl?: string | null;
  assetFolder?: string;
  displayName?: string;
  coordinates?: string | null;
}

/** The column updates of AssetUpdate's plain fields. */
const COLUMNS: readonly (readonly [keyof AssetUpdate, string])[] = [
  ['accessControl', 'access_control'],
  ['assetFolder', 'asset_folder'],
  ['displayName', 'display_name'],
  ['coordinates', 'coordinates'],
];

/** Applies an update to an asset in one transaction. */
export async function updateAsset(db: D1Database, row: ResourceRow, u: AssetUpdate, now = new Date()): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (u.tags) {
    statements.push(db.prepare('DELETE FROM resource_tags WHERE resource_id = ?').bind(row.id));
    for (const tag of new Set(u.tags))
      statements.push(
        db.prepare('INSERT OR IGNORE INTO resource_tags (resource_id, cloud, tag) VALUES (?, ?, ?)').bind(row.id, row.cloud, tag),
      );
  }
  if (u.context) {
    statements.push(db.prepare('DELETE FROM resource_context WHERE resource_id = ?').bind(row.id));
    for (const [k, v] of Object.entries(u.context)) {
      statements.push(
        db
          .prepare('INSERT OR REPLACE INTO resource_context (resource_id, cloud, key, value) VALUES (?, ?, ?, ?)')
          .bind(row.id, row.cloud, k, v),
      );
    }
  }
  if (u.moderationStatus) {
    // A decision about the content of this version: a newer upload meanwhile is not decided by it.
    statements.push(
      db
        .prepare(
          'UPDATE resources SET moderation_kind = coalesce(moderation_kind, ?), moderation_status = ?, moderation_updated_at = ? WHERE id = ? AND version = ?',
        )
        .bind('manual', u.moderationStatus, iso(now), row.id, row.version),
    );
  }
  for (const [field, column] of COLUMNS) {
    const value = u[field];
    if (value !== undefined) statements.push(db.prepare(`UPDATE resources SET ${column} = ? WHERE id = ?`).bind(value, row.id));
  }
  if (statements.length) await db.batch(statements);
}

/** Updates an asset by reference (explicit): the row after the update, or null when there is no such asset. */
export async function updateAssetMeta(env: { DB: D1Database }, a: AssetRef, u: AssetUpdate): Promise<ResourceRow | null> {
  const row = await getResource(env.DB, a);
  if (!row) return null;
  await updateAsset(env.DB, row, u);
  return getResource(env.DB, a);
}

/** Sets the access mode of assets of one scope by public id (a list as one JSON parameter: D1 binds at most 100). */
export async function setAccessMode(
  db: D1Database,
  s: { cloud: string; resourceType: string; type: string },
  publicIds: string[],
  mode: string,
): Promise<void> {
  await db
    .prepare(
      'UPDATE resources SET access_mode = ? WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id IN (SELECT value FROM json_each(?))',
    )
    .bind(mode, s.cloud, s.resourceType, s.type, JSON.stringify(publicIds))
    .run();
}

/** Keeps the analysis data of one version of an asset (a newer upload meanwhile has its own). */
export async function recordAnalysis(db: D1Database, r: Pick<ResourceRow, 'id' | 'version'>, info: string): Promise<void> {
  await db.prepare('UPDATE resources SET info = ? WHERE id = ? AND version = ?').bind(info, r.id, r.version).run();
}

/** The tags API's commands (spec §7.3); Python sends set_exclusive, Node never does but it is supported. */
export const TAG_COMMANDS = ['add', 'remove', 'replace', 'remove_all', 'set_exclusive'] as const;
export type TagCommand = (typeof TAG_COMMANDS)[number];

export interface TagScope {
  cloud: string;
  resourceType: string;
  type: string;
}

const MAX_IDS = 1000;

/**
 * Applies a tag command to the assets among `publicIds` that exist, in one
 * batch. Returns those public ids, in the order given (the API's answer).
 */
export async function applyTagCommand(
  db: D1Database,
  scope: TagScope,
  publicIds: string[],
  command: TagCommand,
  tags: string[],
): Promise<string[]> {
  if (publicIds.length > MAX_IDS) throw new DomainError('invalid', `Too many public_ids: at most ${MAX_IDS}`);
  if (!publicIds.length) return [];
  const rows = await db
    .prepare(
      `SELECT id, public_id FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id IN (${publicIds.map(() => '?').join(',')})`,
    )
    .bind(scope.cloud, scope.resourceType, scope.type, ...publicIds)
    .all<{ id: number; public_id: string }>();
  const byId = new Map(rows.results.map((r) => [r.public_id, r.id]));
  const found = [...new Set(publicIds)].filter((p) => byId.has(p));
  const ids = found.map((p) => byId.get(p)!);
  if (!ids.length) return [];
  const inIds = `(${ids.map(() => '?').join(',')})`;
  const statements: D1PreparedStatement[] = [];
  const insert = () => {
    for (const id of ids)
      for (const tag of tags)
        statements.push(
          db.prepare('INSERT OR IGNORE INTO resource_tags (resource_id, cloud, tag) VALUES (?, ?, ?)').bind(id, scope.cloud, tag),
        );
  };
  switch (command) {
    case 'add':
      insert();
      break;
    case 'remove':
      statements.push(
        db
          .prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds} AND tag IN (${tags.map(() => '?').join(',')})`)
          .bind(...ids, ...tags),
      );
      break;
    case 'replace':
      statements.push(db.prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds}`).bind(...ids));
      insert();
      break;
    case 'remove_all':
      statements.push(db.prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds}`).bind(...ids));
      break;
    case 'set_exclusive':
      // The tag stays only on these assets, across the cloud.
      statements.push(
        db
          .prepare(`DELETE FROM resource_tags WHERE cloud = ? AND tag = ? AND resource_id NOT IN ${inIds}`)
          .bind(scope.cloud, tags[0], ...ids),
      );
      insert();
      break;
  }
  if (statements.length) await db.batch(statements);
  return found;
}
