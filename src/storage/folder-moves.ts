import { DomainError } from '../errors';
import { randomId } from '../auth/crypto';
import type { AssetRef } from '../protocol/asset-ref';
import { assetPrefix, originalKey } from './keys';
import { listAll, nextVersionStatement, removeSuperseded, withLength } from './assets';

/**
 * One batch of a fixed folder's rename: the first `limit` assets whose public
 * id lies below `from` get the public id `rename(old)`. Originals are copied
 * to their new keys first, then every row moves in one D1 batch (versions
 * checked, so an asset changed meanwhile is left alone and its copy removed),
 * then the old originals and derived images are deleted. A crash leaves at
 * most unreferenced copies, never a row that points at nothing.
 */
const MAX_CHAR = '\u{10FFFF}';
/** R2 copies in flight at once: within the six connections a Worker may hold open. */
const COPY_PARALLELISM = 4;

interface Row {
  id: number;
  resource_type: string;
  type: string;
  public_id: string;
  version: number;
  r2_key: string;
  content_type: string;
  asset_id: string;
}

interface MovedAsset {
  resourceType: string;
  type: string;
  assetId: string;
  from: string;
  to: string;
}

export interface FolderMoveBatch {
  /** Assets found below the folder (at most `limit`): fewer than `limit` means none is left after this batch. */
  found: number;
  moved: MovedAsset[];
}

export async function moveAssetsBelow(
  env: { BUCKET: R2Bucket; DB: D1Database },
  cloud: string,
  from: string,
  limit: number,
  rename: (publicId: string) => string,
): Promise<FolderMoveBatch> {
  const db = env.DB;
  const rows = (
    await db
      .prepare(
        `SELECT id, resource_type, type, public_id, version, r2_key, content_type, asset_id FROM resources
         WHERE cloud = ? AND public_id >= ? AND public_id < ? ORDER BY public_id LIMIT ?`,
      )
      .bind(cloud, `${from}/`, `${from}/${MAX_CHAR}`, limit)
      .all<Row>()
  ).results;
  if (!rows.length) return { found: 0, moved: [] };
  const refOf = (r: Row, publicId = r.public_id): AssetRef => ({ cloud, resourceType: r.resource_type, type: r.type, publicId });
  const targets = rows.map((r) => refOf(r, rename(r.public_id)));
  await refuseTaken(db, cloud, targets);

  const versions = await db.batch<{ last_version: number }>(targets.map((t, i) => nextVersionStatement(db, t, rows[i].version)));
  const keys = targets.map((t, i) => originalKey(t, Number(versions[i].results[0]?.last_version), randomId(8)));
  const copied = new Set<number>();
  try {
    for (let i = 0; i < rows.length; i += COPY_PARALLELISM) {
      await Promise.all(
        rows.slice(i, i + COPY_PARALLELISM).map(async (r, j) => {
          const obj = await env.BUCKET.get(r.r2_key);
          // An original gone missing (destroyed meanwhile): its row is not moved, the version check below skips it.
          if (!obj) return;
          await env.BUCKET.put(keys[i + j], withLength(obj.body, obj.size), { httpMetadata: { contentType: r.content_type } });
          copied.add(i + j);
        }),
      );
    }
  } catch (err) {
    await env.BUCKET.delete(keys);
    throw err;
  }

  const movable = rows.map((_, i) => i).filter((i) => copied.has(i));
  const statements = movable.flatMap((i) => [
    db.prepare('DELETE FROM derived WHERE resource_id = ?').bind(rows[i].id),
    db
      .prepare('UPDATE resources SET public_id = ?, version = ?, r2_key = ? WHERE id = ? AND version = ?')
      .bind(targets[i].publicId, Number(versions[i].results[0]?.last_version), keys[i], rows[i].id, rows[i].version),
  ]);
  let results: D1Result[] = [];
  try {
    if (statements.length) results = await db.batch(statements);
  } catch (err) {
    await env.BUCKET.delete(keys);
    // A parallel upload took a new public id between the check and the batch.
    if (/UNIQUE/i.test(String(err))) throw new DomainError('already_exists', 'A public id in the renamed folder was taken meanwhile');
    throw err;
  }
  const moved = movable.filter((_, n) => (results[2 * n + 1]?.meta.changes ?? 0) > 0);
  const stale = rows.map((_, i) => i).filter((i) => !moved.includes(i));
  if (stale.length) await env.BUCKET.delete(stale.map((i) => keys[i]));
  for (const i of moved) {
    const old = refOf(rows[i]);
    await removeSuperseded(env, old, undefined, rows[i].version);
    const derived = await listAll(env.BUCKET, assetPrefix('d', old));
    if (derived.length) await env.BUCKET.delete(derived);
  }
  return {
    found: rows.length,
    moved: moved.map((i) => ({
      resourceType: rows[i].resource_type,
      type: rows[i].type,
      assetId: rows[i].asset_id,
      from: rows[i].public_id,
      to: targets[i].publicId,
    })),
  };
}

/** Cloudinary refuses a rename onto an existing public id; so does the folder rename, before any byte moves. */
async function refuseTaken(db: D1Database, cloud: string, targets: AssetRef[]): Promise<void> {
  const taken = await db
    .prepare(`SELECT resource_type, type, public_id FROM resources WHERE cloud = ? AND public_id IN (${targets.map(() => '?').join(',')})`)
    .bind(cloud, ...targets.map((t) => t.publicId))
    .all<{ resource_type: string; type: string; public_id: string }>();
  const clash = targets.find((t) =>
    taken.results.some((r) => r.public_id === t.publicId && r.resource_type === t.resourceType && r.type === t.type),
  );
  if (clash) throw new DomainError('already_exists', `to_public_id ${clash.publicId} already exists`);
}
