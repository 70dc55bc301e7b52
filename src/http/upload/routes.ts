import { Hono, type Context } from 'hono';
import { apiErrorResponse, badRequest } from '../../errors';
import { withCloud, type AppEnv } from '../cloud';
import { archiveRoutes } from '../archive/routes';
import { configFrom } from '../../config/config';
import { asSeenBy } from '../../config/clouds';
import { urlBase } from '../../protocol/urls';
import { discardBody, readUploadRequest, type UploadRequest } from './request';
import { type Params, readParams, storedResourceType } from '../../protocol/params';
import { authorizeUpload, carriesAuthorization } from '../../services/upload/auth';
import { eagerItems, parseUploadOptions } from '../../services/upload/options';
import { generateEager, parseEager } from '../../services/upload/eager';
import { storeUpload, type UploadContext } from '../../services/upload/upload';
import {
  appendChunk,
  cleanupAbandonedUploads,
  multipartLedger,
  OpenChunk,
  parseContentRange,
  type ChunkRange,
} from '../../services/upload/chunked';
import { fileReference } from '../../services/upload/source';
import { createText } from '../../services/upload/text';
import { fetchRemoteFile } from '../../services/upload/remote-file';
import { signedApiParams } from './api-params';
import { completeUpload } from '../../services/jobs/upload-completion';
import { parseBackgroundOptions } from '../../services/jobs/background-options';
import { queueUpload } from '../../services/jobs/async-upload';
import { uploadCallback } from './callback';
import { downloadRoutes } from '../access/download';
import { contextCommand } from '../../services/upload/context-command';
import { updateMetadataCommand } from '../../services/metadata/update-command';
import { createMulti } from '../../services/collage/multi';
import { explode } from '../../services/collage/explode';
import { generateSprite } from '../../services/collage/sprite';
import { assetAnswer, deleteByToken, destroy, explicitMeta, rename, tags, type ManageContext } from '../../services/upload/manage';

type Ctx = Context<AppEnv>;

const UPLOAD_TYPES = ['image', 'raw', 'auto'] as const;

function uploadResourceType(rt: string): (typeof UPLOAD_TYPES)[number] {
  if ((UPLOAD_TYPES as readonly string[]).includes(rt)) return rt as (typeof UPLOAD_TYPES)[number];
  if (rt === 'video') throw badRequest('Video uploads are not supported');
  throw badRequest(`Invalid resource type ${rt}`);
}

/** What the SDKs send as X-Unique-Upload-Id (random hex, UUIDs); nothing that could name a staging record. */
const UPLOAD_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** `Content-Range` and `X-Unique-Upload-Id` make a request one chunk of a chunked upload (the SDKs' `upload_large`). */
function chunkOf(c: Ctx): { uploadId: string; range: ChunkRange } | null {
  const range = c.req.header('Content-Range');
  if (!range) return null;
  const uploadId = c.req.header('X-Unique-Upload-Id');
  if (!uploadId || !UPLOAD_ID.test(uploadId)) throw badRequest('Chunked uploads need an X-Unique-Upload-Id header');
  return { uploadId, range: parseContentRange(range) };
}

async function upload(c: Ctx): Promise<Response> {
  const cloud = c.get('cloud');
  const requested = uploadResourceType(c.req.param('rt') ?? '');
  const env = c.env;
  const limits = configFrom(env).limits;
  const ctx: UploadContext = { env, cloud, base: urlBase(env, c.req.url) };
  const chunk = chunkOf(c);
  // The fields before the file decide whether its bytes are read: a signature
  // or preset that fails refuses the request before anything is staged; a
  // chunk whose fields pass streams straight into its session. Without those
  // fields yet (the order is free) the file is staged and checked after.
  const direct: { open: OpenChunk | null } = { open: null };
  const beforeFile = async (fields: Params) => {
    if (!carriesAuthorization(fields)) return null;
    await authorizeUpload(env, cloud, fields);
    if (!chunk) return null;
    direct.open = await OpenChunk.open(env, cloud.cloudName, chunk.uploadId, chunk.range);
    return direct.open.writer;
  };
  let request: UploadRequest;
  try {
    request = await readUploadRequest(c.req.raw, {
      bucket: env.BUCKET,
      cloud: cloud.cloudName,
      maxBytes: limits.maxUploadBytes,
      ledger: multipartLedger(env, cloud.cloudName),
      beforeFile,
    });
  } catch (err) {
    await direct.open?.fail();
    throw err;
  }
  let committing = false;
  try {
    const auth = await authorizeUpload(env, cloud, request.params);
    // Only a genuine chunked upload starts the sweep of abandoned ones.
    if (chunk?.range.start === 0) c.executionCtx.waitUntil(cleanupAbandonedUploads(env).catch(() => undefined));
    // The answer's signature is made with the key that signed the call.
    if (auth.signer) ctx.cloud = asSeenBy(cloud, auth.signer);
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
    const ref = request.file ? null : fileReference(auth.params.string('file'));
    const remote = ref?.kind === 'remote' ? ref.url : null;
    if (!request.file && !remote) throw badRequest('Missing required parameter - file');
    if (auth.params.bool('async', false)) {
      return answer(
        await queueUpload(env, {
          cloud: cloud.cloudName,
          signerKey: auth.signer?.apiKey ?? null,
          signed: auth.signed,
          requested,
          params: auth.params,
          file: request.file ? { staged: request.file, filename: request.filename } : { url: remote!.href },
          base: ctx.base,
        }),
      );
    }
    if (request.file) return answer(await storeUpload(ctx, requested, { file: request.file, filename: request.filename }, options));
    return answer(await storeUpload(ctx, requested, await fetchRemoteFile(env, remote!), options));
  } catch (err) {
    // Bytes streamed into a session by a request that then failed its checks are given up with it.
    if (direct.open && !committing) await direct.open.fail();
    throw err;
  } finally {
    await request.file?.discard();
  }
}

function manageContext(c: Ctx): ManageContext {
  return { env: c.env, cloud: c.get('cloud'), base: urlBase(c.env, c.req.url), resourceType: storedResourceType(c.req.param('rt') ?? '') };
}

/** The calls that generate assets from others (multi, sprite, explode): images only. */
const generatorContext = (c: Ctx): ManageContext => ({
  env: c.env,
  cloud: c.get('cloud'),
  base: urlBase(c.env, c.req.url),
  resourceType: 'image',
});

/** The checked parameters of a signed call; from here on the call's answers are signed with the caller's key. */
const signed = async (c: Ctx, ctx: ManageContext) => {
  const { params, signer } = await signedApiParams(c.req.raw, ctx.cloud);
  ctx.cloud = asSeenBy(ctx.cloud, signer);
  return params;
};

/**
 * The Upload API (and signed downloads), mounted under `/v1_1/<cloud>`. Each
 * route resolves the cloud (withCloud); the request proves itself with a
 * signature or an unsigned preset. Errors leave as Cloudinary's JSON with
 * only the statuses the SDKs parse, never cached, after the unread body is
 * drained (one error boundary for the whole API).
 */
export const uploadApi = new Hono<AppEnv>()
  .onError(async (err, c) => {
    await discardBody(c.req.raw);
    const res = apiErrorResponse(err, 'upload');
    res.headers.set('Cache-Control', 'no-store');
    return res;
  })
  .route('/', downloadRoutes)
  .route('/', archiveRoutes)
  .post('/delete_by_token', withCloud, async (c) => c.json(await deleteByToken(c.env, c.get('cloud'), await readParams(c.req.raw))))
  .post('/:rt/upload', withCloud, upload)
  .post('/image/multi', withCloud, async (c) => {
    const ctx = generatorContext(c);
    return c.json(await createMulti(ctx, await signed(c, ctx)));
  })
  .post('/image/sprite', withCloud, async (c) => {
    const ctx = generatorContext(c);
    return c.json(await generateSprite(ctx, await signed(c, ctx)));
  })
  .post('/image/explode', withCloud, async (c) => {
    const ctx = generatorContext(c);
    return c.json(await explode(ctx, await signed(c, ctx)));
  })
  .post('/:rt/destroy', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await destroy(ctx, await signed(c, ctx)));
  })
  .post('/:rt/rename', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await rename(ctx, await signed(c, ctx)));
  })
  .post('/:rt/tags', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await tags(ctx, await signed(c, ctx)));
  })
  .post('/:rt/context', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await contextCommand(ctx, await signed(c, ctx)));
  })
  .post('/:rt/metadata', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await updateMetadataCommand(ctx, await signed(c, ctx)));
  })
  .post('/:rt/text', withCloud, async (c) => {
    const ctx = manageContext(c);
    return c.json(await createText(ctx, await signed(c, ctx)));
  })
  .post('/:rt/explicit', withCloud, async (c) => {
    const ctx = manageContext(c);
    const params = await signed(c, ctx);
    const background = parseBackgroundOptions(params);
    const eager = parseEager(eagerItems(params));
    const { row } = await explicitMeta(ctx, params);
    const answer = await assetAnswer(ctx, row);
    if (eager.length && row.resource_type !== 'image') throw badRequest('Transformations apply to images only');
    if (eager.length && !background.eagerAsync) {
      answer.eager = await generateEager(c.env, ctx.base, row, eager);
    }
    const asyncEager = background.eagerAsync ? eager : [];
    return c.json(
      await completeUpload(c.env, { base: ctx.base, resource: row, result: answer, options: background, asyncEager, kind: 'explicit' }),
    );
  });
