import { Hono } from 'hono';
import { badRequest } from '../errors';
import { apiCloud, type AppEnv } from '../api/cloud';
import { readParams } from '../http/params';
import { verifyApiSignature } from '../auth/api-signature';
import { randomId } from '../auth/crypto';
import { limitsFrom } from '../config/limits';
import { urlBase } from '../delivery/urls';
import { mimeFor, orientedSize, sniffImage } from '../media/sniff';
import { putOriginal } from '../storage/assets';
import { baseName, readUploadSource } from './source';
import { parseContext } from './context';
import { uploadResult } from './result';
import { toHex } from '../auth/crypto';

const PUBLIC_ID = /^[^\u0000-\u001f?#&\\%<>]+$/;

/** `POST /v1_1/<cloud>/<resource_type>/upload`: signed uploads of a file part or data URI. */
export const uploadRoutes = new Hono<AppEnv>().post('/v1_1/:cloud/:rt/upload', async (c) => {
  const cloud = apiCloud(c);
  const rtParam = c.req.param('rt');
  if (!['image', 'raw', 'auto'].includes(rtParam)) throw badRequest(`Invalid resource type ${rtParam}`);
  const params = await readParams(c.req.raw);
  await verifyApiSignature(params, cloud);

  const source = await readUploadSource(params);
  const limits = limitsFrom(c.env);
  if (!source.bytes.length) throw badRequest('Empty file');
  if (source.bytes.length > limits.maxUploadBytes) {
    throw badRequest(`File size too large. Got ${source.bytes.length}. Maximum is ${limits.maxUploadBytes}.`);
  }
  const sniffed = sniffImage(source.bytes);
  const resourceType = rtParam === 'auto' ? (sniffed ? 'image' : 'raw') : rtParam;
  if (resourceType === 'image' && !sniffed) throw badRequest('Invalid image file');
  if (sniffed && resourceType === 'image' && sniffed.width * sniffed.height > limits.maxImagePixels) {
    throw badRequest(`Image too large. Maximum is ${limits.maxImagePixels} pixels.`);
  }

  const type = params.string('type') || 'upload';
  if (!['upload', 'private', 'authenticated'].includes(type)) throw badRequest(`Invalid type ${type}`);
  const folder = (params.string('folder') ?? '').replace(/^\/+|\/+$/g, '');
  const originalFilename = baseName(source.filename);
  let publicId = params.string('public_id') || (params.bool('use_filename', false) && originalFilename ? originalFilename : randomId());
  if (resourceType === 'raw' && !params.has('public_id') && source.filename?.includes('.')) {
    publicId += source.filename.slice(source.filename.lastIndexOf('.'));
  }
  if (folder) publicId = `${folder}/${publicId}`;
  if (!PUBLIC_ID.test(publicId) || publicId.length > 255) throw badRequest(`Invalid public_id ${publicId}`);

  const format = sniffed?.format ?? (source.filename?.match(/\.([A-Za-z0-9]+)$/)?.[1]?.toLowerCase() ?? null);
  const size = sniffed ? orientedSize(sniffed) : null;
  const etag = toHex(new Uint8Array(await crypto.subtle.digest('MD5', source.bytes)));
  const tags = params.list('tags');
  const context = parseContext(params.string('context'));
  const { resource, overwritten, existing } = await putOriginal(c.env, {
    ref: { cloud: cloud.cloudName, resourceType, type, publicId },
    body: source.bytes,
    bytes: source.bytes.length,
    etag,
    contentType: mimeFor(format),
    format,
    width: size?.width ?? null,
    height: size?.height ?? null,
    pages: sniffed?.pages ?? null,
    overwrite: params.bool('overwrite', true),
    tags,
    context,
    originalFilename,
  });
  return c.json(
    await uploadResult(resource, {
      base: urlBase(c.env, c.req.url),
      apiSecret: cloud.apiSecret,
      tags: existing ? [] : tags,
      context: existing ? {} : context,
      overwritten,
      existing,
    }),
  );
});
