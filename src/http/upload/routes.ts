import { Hono, type Context } from 'hono';
import { apiErrorResponse, badRequest } from '../../errors';
import { apiCloud, type AppEnv } from '../cloud';
import { limitsFrom } from '../../config/limits';
import { urlBase } from '../../protocol/urls';
import { discardBody, readUploadRequest, type UploadRequest } from './request';
import { type Params, storedResourceType } from '../../protocol/params';
import { authorizeUpload } from '../../services/upload/auth';
import { eagerItems, parseUploadOptions } from '../../services/upload/options';
import { generateEager, parseEager } from '../../services/upload/eager';
import { storeUpload, type UploadContext } from '../../services/upload/upload';
import { appendChunk, cleanupAbandonedUploads, OpenChunk, parseContentRange, type ChunkRange } from '../../services/upload/chunked';
import { fileReference } from '../../services/upload/source';
import { createText } from '../../services/upload/text';
import { fetchRemoteFile } from '../../services/upload/remote-file';
import { signedApiParams } from './api-params';
import { completeUpload } from '../../services/jobs/upload-completion';
import { parseBackgroundOptions } from '../../services/jobs/background-options';
import { uploadCallback } from './callback';
import { contextCommand } from '../../services/upload/context-command';
import { updateMetadataCommand } from '../../services/metadata/update-command';
import { assetAnswer, deleteByToken, destroy, explicitMeta, rename, tags, type ManageContext } from '../../services/upload/manage';

type Ctx = Context<AppEnv>;

/** Upload API errors use only the statuses the SDKs parse (spec §7.1). */
const api = (handler: (c: Ctx) => Promise<Response>) => async (c: Ctx) => {
  try {
    return await handler(c);
  } catch (err) {
    await discardBody(c.req.raw);
    return apiErrorResponse(err, 'upload');
  }
};

const UPLOAD_TYPES = ['image', 'raw', 'auto'] as const;

function uploadResourceType(rt: string): (typeof UPLOAD_TYPES)[number] {
  if ((UPLOAD_TYPES as readonly string[]).includes(rt)) return rt as (typeof UPLOAD_TYPES)[number];
  if (rt === 'video') throw badRequest('Video uploads are not supported');
  throw badRequest(`Invalid resource type ${rt}`);
}

/** `Content-Range` and `X-Unique-Upload-Id` make a request one chunk of a chunked upload (spec §7.4). */
function chunkOf(c: Ctx): { uploadId: string; range: ChunkRange } | null {
  const range = c.req.header('Content-Range');
  if (!range) return null;
  const uploadId = c.req.header('X-Unique-Upload-Id');
  if (!uploadId || uploadId.length > 128) throw badRequest('Chunked uploads need an X-Unique-Upload-Id header');
  return { uploadId, range: parseContentRange(range) };
}

async function upload(c: Ctx): Promise<Response> {
  const cloud = apiCloud(c);
  const requested = uploadResourceType(c.req.param('rt') ?? '');
  const env = c.env;
  const limits = limitsFrom(env);
  const ctx: UploadContext = { env, cloud, base: urlBase(env, c.req.url) };
  const chunk = chunkOf(c);
  if (chunk?.range.start === 0) c.executionCtx.waitUntil(cleanupAbandonedUploads(env).catch(() => undefined));
  // A chunk whose signed fields precede its bytes streams straight into its session.
  const direct: { open: OpenChunk | null } = { open: null };
  const directSink = chunk
    ? async (fields: Params) => {
        if (
          !(await authorizeUpload(env, cloud, fields).then(
            () => true,
            () => false,
          ))
        )
          return null;
        direct.open = await OpenChunk.open(env, cloud.cloudName, chunk.uploadId, chunk.range);
        return direct.open.writer;
      }
    : undefined;
  let request: UploadRequest;
  try {
    request = await readUploadRequest(c.req.raw, {
      bucket: env.BUCKET,
      cloud: cloud.cloudName,
      maxBytes: limits.maxUploadBytes,
      directSink,
    });
  } catch (err) {
    await direct.open?.fail();
    throw err;
  }
  let committing = false;
  try {
    const auth = await authorizeUpload(env, cloud, request.params);
    const options = parseUploadOptions(auth.params, auth.signed);
    const callback = await uploadCallback(env, cloud, auth.params);
    const answer = (result: Record<string, unknown>) => (callback ? callback.redirect(result) : c.json(result));
    if (chunk) {
      if (!direct.open && !request.file) throw badRequest('Missing required parameter - file');
      committing = true;
      const outcome = direct.open
        ? await direct.open.commit(options.publicId)
        : await appendChunk(env, cloud.cloudName, chunk.uploadId, chunk.range, request.file!, options.publicId);
      if (!outcome.done)
        return c.json({
          done: false,
          upload_id: chunk.uploadId,
          bytes: outcome.bytes,
          ...(outcome.publicId ? { public_id: outcome.publicId } : {}),
        });
      try {
        return answer(
          await storeUpload(
            ctx,
            requested,
            { file: outcome.file, filename: request.filename },
            { ...options, publicId: options.publicId ?? outcome.publicId ?? undefined },
          ),
        );
      } finally {
        await outcome.file.discard();
      }
    }
    if (request.file) return answer(await storeUpload(ctx, requested, { file: request.file, filename: request.filename }, options));
    const ref = fileReference(auth.params.string('file'));
    if (ref.kind === 'missing') throw badRequest('Missing required parameter - file');
    return answer(await storeUpload(ctx, requested, await fetchRemoteFile(env, ref.url), options));
  } catch (err) {
    // Bytes streamed into a session by a request that then failed its checks are given up with it.
    if (direct.open && !committing) await direct.open.fail();
    throw err;
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
  .post(
    '/v1_1/:cloud/delete_by_token',
    api(async (c) => {
      const cloud = apiCloud(c);
      const { params, file } = await readUploadRequest(c.req.raw, { bucket: c.env.BUCKET, cloud: cloud.cloudName, maxBytes: 64 * 1024 });
      await file?.discard();
      return c.json(await deleteByToken(c.env, cloud, params));
    }),
  )
  .post('/v1_1/:cloud/:rt/upload', api(upload))
  .post(
    '/v1_1/:cloud/:rt/destroy',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await destroy(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/rename',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await rename(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/tags',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await tags(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/context',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await contextCommand(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/metadata',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await updateMetadataCommand(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/text',
    api(async (c) => {
      const ctx = manageContext(c);
      return c.json(await createText(ctx, await signed(c, ctx)));
    }),
  )
  .post(
    '/v1_1/:cloud/:rt/explicit',
    api(async (c) => {
      const ctx = manageContext(c);
      const params = await signed(c, ctx);
      const background = parseBackgroundOptions(params);
      const eager = parseEager(eagerItems(params));
      const { row } = await explicitMeta(ctx, params);
      const answer = await assetAnswer(ctx, row);
      if (eager.length && row.resource_type !== 'image') throw badRequest('Transformations apply to images only');
      if (eager.length && !background.eagerAsync) {
        const original = await c.env.BUCKET.get(row.r2_key);
        if (!original) throw badRequest(`Resource not found - ${row.public_id}`);
        answer.eager = await generateEager(c.env, ctx.base, row, eager, new Uint8Array(await original.arrayBuffer()));
      }
      const asyncEager = background.eagerAsync ? eager : [];
      return c.json(
        await completeUpload(c.env, { base: ctx.base, resource: row, result: answer, options: background, asyncEager, kind: 'explicit' }),
      );
    }),
  );
