import { Hono, type Context } from 'hono';
import { badRequest, notFound } from '../../errors';
import { withCloud, type AppEnv } from '../cloud';
import { readParams, type Params } from '../../protocol/params';
import { urlBase } from '../../protocol/urls';
import { verifyApiSignature } from '../../auth/api-signature';
import { signedApiParams } from '../upload/api-params';
import { findBackup } from '../../storage/archive-selection';
import { archiveEntries } from '../../services/archive/entries';
import { archiveDisposition, createArchive, downloadArchive, writeArchive } from '../../services/archive/archive';
import { archiveStats, archiveTiming, type ArchiveMeasure } from '../../services/archive/memory';
import { configFrom } from '../../config/config';
import { parseArchiveRequest } from '../../services/archive/request';
import { queueArchive } from '../../services/jobs/async-archive';

type Ctx = Context<AppEnv>;

/** Downloads are for the holder of the signed URL only: no cache may keep them, and no browser may run them. */
const DOWNLOAD_HEADERS = { 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * Streams the archive to the client: `download_archive_url`, `download_zip_url`
 * and `download_folder` (a signed GET, valid until `expires_at` or one hour
 * after its timestamp), or a POST with `mode=download`.
 */
async function download(c: Ctx, params: Params): Promise<Response> {
  const cloud = c.get('cloud');
  const req = parseArchiveRequest(params, c.req.param('rt') ?? '', 'download');
  const entries = await archiveEntries(c.env, cloud.cloudName, req);
  const archive = writeArchive(req, entries);
  const headers = new Headers({
    ...DOWNLOAD_HEADERS,
    'Content-Type': archive.contentType,
    'Content-Disposition': archiveDisposition(req, archive),
    ...serverTiming(c),
  });
  if (c.req.method === 'HEAD') return new Response(null, { headers });
  const body = await downloadArchive(c.env, archive, entries);
  if (archive.length === null) return new Response(body, { headers });
  // A stream of announced length: the runtime sends Content-Length instead of chunked encoding.
  headers.set('Content-Length', String(archive.length));
  const fixed = new FixedLengthStream(archive.length);
  c.executionCtx.waitUntil(body.pipeTo(fixed.writable).catch(() => undefined));
  return new Response(fixed.readable, { headers });
}

/**
 * With SERVER_TIMING=true, an archive answer says what archives held: the one
 * it made (create mode) and the isolate's last finished one (a download's own
 * figures are only known once it has streamed: the next answer carries them).
 */
function serverTiming(c: Ctx, made?: ArchiveMeasure): Record<string, string> {
  if (!configFrom(c.env).serverTiming) return {};
  const last = archiveStats.last;
  const metrics = [made && archiveTiming('archive', made), last && last !== made && archiveTiming('archive-last', last)].filter(Boolean);
  return metrics.length ? { 'Server-Timing': metrics.join(', ') } : {};
}

/**
 * `generate_archive`, `download_*` URLs and `download_backedup_asset`, part of
 * the Upload API under `/v1_1/<cloud>` (its error boundary answers failures).
 */
export const archiveRoutes = new Hono<AppEnv>()
  .get('/:rt/generate_archive', withCloud, async (c) => {
    const query = await readParams(c.req.raw);
    const { params } = await verifyApiSignature(query, c.get('cloud'), { expiresAt: query.int('expires_at') });
    if ((params.string('mode') ?? 'download') !== 'download')
      throw badRequest('A GET of generate_archive downloads: mode must be download');
    return download(c, params);
  })
  .post('/:rt/generate_archive', withCloud, async (c) => {
    const cloud = c.get('cloud');
    const { params, signer } = await signedApiParams(c.req.raw, cloud);
    if (params.string('mode') === 'download') return download(c, params);
    if (params.bool('async', false))
      return c.json(await queueArchive(c.env, cloud, signer.apiKey, c.req.param('rt') ?? '', params, urlBase(c.env, c.req.url)));
    const req = parseArchiveRequest(params, c.req.param('rt') ?? '', 'create');
    const base = urlBase(c.env, c.req.url);
    const entries = await archiveEntries(c.env, cloud.cloudName, req);
    const { answer, measure } = await createArchive(c.env, cloud, base, req, entries);
    return c.json(answer, 200, serverTiming(c, measure));
  })
  .get('/download_backup', withCloud, async (c) => {
    const cloud = c.get('cloud');
    const query = await readParams(c.req.raw);
    const { params } = await verifyApiSignature(query, cloud, { expiresAt: query.int('expires_at') });
    const assetId = params.string('asset_id');
    const versionId = params.string('version_id');
    if (!assetId) throw badRequest('Missing required parameter - asset_id');
    if (!versionId) throw badRequest('Missing required parameter - version_id');
    const backup = await findBackup(c.env.DB, cloud.cloudName, assetId, versionId);
    if (!backup) throw notFound(`Backup of asset ${assetId} version ${versionId} not found`);
    const obj = c.req.method === 'HEAD' ? null : await c.env.BUCKET.get(backup.r2_key);
    if (c.req.method !== 'HEAD' && !obj) throw notFound(`Backup of asset ${assetId} version ${versionId} is missing from storage`);
    const base = backup.public_id.split('/').pop()!;
    const name = backup.resource_type === 'raw' || !backup.format ? base : `${base}.${backup.format}`;
    const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    return new Response(obj?.body ?? null, {
      headers: {
        ...DOWNLOAD_HEADERS,
        'Content-Type': backup.content_type,
        'Content-Length': String(backup.bytes),
        ETag: `"${backup.etag}"`,
        'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      },
    });
  });
