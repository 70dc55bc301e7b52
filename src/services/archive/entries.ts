import { badRequest, notFound } from '../../errors';
import type { Env } from '../../config/env';
import type { ArchiveEntry } from '../../engine/archive/entry';
import type { ImageFormat } from '../../engine/sniff';
import { resolveOutput } from '../../engine/negotiate';
import { selectArchiveResources } from '../../storage/archive-selection';
import type { ResourceRow } from '../../storage/resources';
import { ensureDerived } from '../derived/derive';
import type { EagerSpec } from '../upload/eager';
import type { ArchiveRequest } from './request';

/** Cloudinary's limit on the files of one archive. */
const MAX_ARCHIVE_FILES = 1000;
/**
 * Derived images one call may have to make before it can start streaming
 * (each is a decode and an encode inside the request).
 */
const MAX_ARCHIVE_DERIVATIONS = 100;

/** The archive's files: the selected originals, or their derived images when transformations are given. */
export async function archiveEntries(env: Env, cloud: string, req: ArchiveRequest): Promise<ArchiveEntry[]> {
  const rows = await selectArchiveResources(env.DB, { ...req, cloud }, MAX_ARCHIVE_FILES + 1);
  if (rows.length > MAX_ARCHIVE_FILES) throw badRequest(`Too many files for one archive (maximum ${MAX_ARCHIVE_FILES})`);
  checkMissing(req, rows);
  if (!rows.length) throw notFound('No resources found for the archive');
  const names = new UniqueNames();
  if (!req.transformations.length) return rows.map((r) => originalEntry(env, r, names.claim(fileName(r, req))));
  if (rows.length * req.transformations.length > MAX_ARCHIVE_DERIVATIONS) {
    throw badRequest(`Too many derived images for one archive (maximum ${MAX_ARCHIVE_DERIVATIONS} files times transformations)`);
  }
  const entries: ArchiveEntry[] = [];
  for (const spec of req.transformations) {
    for (const r of rows) {
      if (r.resource_type !== 'image') continue;
      entries.push(await derivedEntry(env, r, spec, names.claim(derivedName(fileName(r, req), spec, req))));
    }
  }
  return entries;
}

/** Ids named one by one must all exist unless `allow_missing` says otherwise. */
function checkMissing(req: ArchiveRequest, rows: ResourceRow[]): void {
  if (req.allowMissing) return;
  const found = new Set(rows.map((r) => r.public_id));
  const missing = [...req.publicIds, ...req.fullyQualified.map((f) => f.publicId)].filter((id) => !found.has(id));
  if (missing.length) throw notFound(`Resource not found - ${missing.join(', ')}`);
}

/** The entry name of an asset: its public id with its format's extension (raw ids carry theirs). */
function fileName(r: ResourceRow, req: ArchiveRequest): string {
  const folder = r.public_id.includes('/') ? r.public_id.slice(0, r.public_id.lastIndexOf('/') + 1) : '';
  const base = req.useOriginalFilename && r.original_filename ? r.original_filename : r.public_id.slice(folder.length);
  const withExt = r.resource_type === 'raw' || !r.format || base.toLowerCase().endsWith(`.${r.format}`) ? base : `${base}.${r.format}`;
  return req.flattenFolders ? withExt : folder + withExt;
}

/** Derived files go under a folder named after their transformation, or carry it in their name when flattened. */
function derivedName(name: string, spec: EagerSpec, req: ArchiveRequest): string {
  const named = spec.format ? name.replace(/\.[^./]+$/, '') + `.${spec.format}` : name;
  if (req.skipTransformationName) return named;
  const label = spec.transformation.replace(/\//g, '_');
  if (req.flattenTransformations) return named.replace(/(\.[^./]+)?$/, (ext) => `_${label}${ext}`);
  return `${spec.transformation}/${named}`;
}

function originalEntry(env: Env, r: ResourceRow, name: string): ArchiveEntry {
  return { name, source: r.asset_id, bytes: r.bytes, modified: new Date(r.uploaded_at), open: () => openObject(env, r.r2_key, name) };
}

/** A derived image, made now (single flight, kept as a derived resource) unless it exists already. */
async function derivedEntry(env: Env, r: ResourceRow, spec: EagerSpec, name: string): Promise<ArchiveEntry> {
  const resolved = resolveOutput(
    spec.plan,
    { format: (r.format ?? 'jpg') as ImageFormat, pages: r.pages, width: r.width, height: r.height },
    { extension: spec.format ?? r.format ?? undefined },
  );
  const made = await ensureDerived(env, r, spec.plan, resolved, { eager: true });
  // Only its size is needed now; the bytes are read again when the writer reaches this entry.
  if (made.body instanceof ReadableStream) await made.body.cancel();
  return { name, source: r.asset_id, bytes: made.bytes, modified: made.uploaded, open: () => openObject(env, made.key, name) };
}

async function openObject(env: Env, key: string, name: string): Promise<ReadableStream<Uint8Array>> {
  const obj = await env.BUCKET.get(key);
  if (!obj) throw new Error(`${name}: its bytes are missing from storage`);
  return obj.body;
}

/** Names inside one archive are unique: a repeated name gets `_1`, `_2`... before its extension. */
class UniqueNames {
  private readonly used = new Set<string>();
  claim(name: string): string {
    let candidate = name;
    for (let n = 1; this.used.has(candidate); n++) candidate = name.replace(/(\.[^./]+)?$/, (ext) => `_${n}${ext}`);
    this.used.add(candidate);
    return candidate;
  }
}
