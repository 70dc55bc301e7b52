import { Hono, type Context } from 'hono';
import { apiErrorResponse, badRequest } from '../errors';
import { apiCloud, type AppEnv } from '../api/cloud';
import { limitsFrom } from '../config/limits';
import { urlBase } from '../delivery/urls';
import { readUploadRequest } from './request';
import { authorizeUpload } from './auth';
import { parseUploadOptions } from './options';
import { storeUpload, type UploadContext } from './upload';
import { appendChunk, cleanupAbandonedUploads, parseContentRange } from './chunked';
import { fileReference } from './source';
import { signedApiParams, storedResourceType } from './api-params';
import { assetAnswer, deleteByToken, destroy, explicitMeta, rename, tags, type ManageContext } from './manage';

type Ctx = Context<AppEnv>;

/** Upload API errors use only the statuses the SDKs parse (spec §7.1). */
const api = (handler: (c: Ctx) => Promise<Response>) => async (c: Ctx) => {
  try {
    return await handler(c);
  } catch (err) {
    return apiErrorResponse(err, 'upload');
  }
};

const UPLOAD_TYPES = ['image', 'raw', 'auto'] as const;

function uploadResourceType(rt: string): (typeof UPLOAD_TYPES)[number] {
  if ((UPLOAD_TYPES as readonly string[]).includes(rt)) return rt as (typeof UPLOAD_TYPES)[number];
  if (rt === 'video') throw badRequest('Video uploads are not supported');
  throw badRequest(`Invalid resource type ${rt}`);
}

async function upload(c: Ctx): Promise<Response> {
  const cloud = apiCloud(c);
  const requested = uploadResourceType(c.req.param('rt') ?? '');
  const env = c.env;
  const limits = limitsFrom(env);
  const ctx: UploadContext = { env, cloud, base: urlBase(env, c.req.url) };
  const range = c.req.header('Content-Range');
  const request = await readUploadRequest(c.req.raw, { bucket: env.BUCKET, cloud: cloud.cloudName, maxBytes: limits.maxUploadBytes });
  try {
    const auth = await authorizeUpload(env, cloud, request.params);
    const options = parseUploadOptions(auth.params, auth.signed);
    if (range) {
      const uploadId = c.req.header('X-Unique-Upload-Id');
      if (!uploadId || uploadId.length > 128) throw badRequest('Chunked uploads need an X-Unique-Upload-Id header');
      if (!request.file) throw badRequest('Missing required parameter - file');
      const parsed = parseContentRange(range);
      if (parsed.start === 0) c.executionCtx.waitUntil(cleanupAbandonedUploads(env).catch(() => undefined));
      const outcome = await appendChunk(env, cloud.cloudName, uploadId, parsed, request.file, options.publicId);
      if (!outcome.done) return c.json({ done: false, upload_id: uploadId, bytes: outcome.bytes, ...(outcome.publicId ? { public_id: outcome.publicId } : {}) });
      try {
        return c.json(await storeUpload(ctx, requested, { file: outcome.file, filename: request.filename }, { ...options, publicId: options.publicId ?? outcome.publicId ?? undefined }));
      } finally {
        await outcome.file.discard();
      }
    }
    if (request.file) return c.json(await storeUpload(ctx, requested, { file: request.file, filename: request.filename }, options));
    const ref = fileReference(auth.params.string('file'));
    if (ref.kind === 'missing') throw badRequest('Missing required parameter - file');
    throw badRequest('Uploading from a remote URL is not available in this build');
  } finally {
    await request.file?.discard();
  }
}

function manageContext(c: Ctx): ManageContext {
  return { env: c.env, cloud: apiCloud(c), base: urlBase(c.env, c.req.url), resourceType: storedResourceType(c.req.param('rt') ?? '') };
}

const signed = async (c: Ctx, ctx: ManageContext) => signedApiParams(c.req.raw, c.env.BUCKET, ctx.cloud);

/** The Upload API: upload (single or chunked), explicit, destroy, rename, tags and delete_by_token. */
export const uploadRoutes = new Hono<AppEnv>()
  .post('/v1_1/:cloud/delete_by_token', api(async (c) => {
    const cloud = apiCloud(c);
    const { params, file } = await readUploadRequest(c.req.raw, { bucket: c.env.BUCKET, cloud: cloud.cloudName, maxBytes: 64 * 1024 });
    await file?.discard();
    return c.json(await deleteByToken(c.env, cloud, params));
  }))
  .post('/v1_1/:cloud/:rt/upload', api(upload))
  .post('/v1_1/:cloud/:rt/destroy', api(async (c) => {
    const ctx = manageContext(c);
    return c.json(await destroy(ctx, await signed(c, ctx)));
  }))
  .post('/v1_1/:cloud/:rt/rename', api(async (c) => {
    const ctx = manageContext(c);
    return c.json(await rename(ctx, await signed(c, ctx)));
  }))
  .post('/v1_1/:cloud/:rt/tags', api(async (c) => {
    const ctx = manageContext(c);
    return c.json(await tags(ctx, await signed(c, ctx)));
  }))
  .post('/v1_1/:cloud/:rt/explicit', api(async (c) => {
    const ctx = manageContext(c);
    const params = await signed(c, ctx);
    if (params.has('eager')) throw badRequest('Eager transformations need the transformation engine, which is not part of this build yet');
    const { row } = await explicitMeta(ctx, params);
    return c.json(await assetAnswer(ctx, row));
  }));
