import { badRequest } from '../../errors';
import { randomId } from '../../auth/crypto';
import { isTransformationComponent } from '../../engine/keys';
import { parseTransformation } from '../../engine/parse';

/** Characters a public id may not contain: controls and what breaks URLs or paths. */
const FORBIDDEN = /[\u0000-\u001f\u007f?#&\\%<>]/;
/**
 * Characters that make an id read differently from what it is: bidi
 * embeddings, overrides, isolates and marks (an id that displays as
 * `gpj.exe` but is not), the BOM, non-characters, and U+FFFD: what is left
 * of invalid UTF-8 or of a lone surrogate escaped in JSON (`"\ud800"`), an
 * id that is not the one the client meant.
 */
const DECEPTIVE = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd\ufffe\uffff]/;
/** Half a UTF-16 surrogate pair: no UTF-8 form, so no URL can name it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_LENGTH = 255;
const VERSION = /^v\d+$/;
const SIGNATURE = /^s--.*--$/;

/** A segment the delivery path would take for a transformation and run (`w_100`, `c_fill,w_10`), not merely key-like (`e_commerce`). */
const isRunnableTransformation = (segment: string) => {
  if (!isTransformationComponent(segment)) return false;
  try {
    parseTransformation([segment]);
    return true;
  } catch {
    return false;
  }
};

/**
 * A first folder that a delivery URL would read as one of its own components:
 * a version (`v123/x`: the SDKs add no `v1` before it, so their URL names
 * asset `x`), a signature (`s--abcdefgh--/x`: a URL without a version is
 * refused as badly signed), or a transformation that would run on another
 * asset (`w_100/x`: `/upload/w_100/x.jpg` is asset `x`, resized).
 */
const readsAsUrlComponent = (id: string) => {
  const [first, ...rest] = id.split('/');
  return SIGNATURE.test(first) || (rest.length > 0 && (VERSION.test(first) || isRunnableTransformation(first)));
};

/** Checks a public id as given or assembled; Cloudinary's wording on failure. */
export function validatePublicId(id: string): string {
  if (
    !id ||
    id.length > MAX_LENGTH ||
    FORBIDDEN.test(id) ||
    DECEPTIVE.test(id) ||
    LONE_SURROGATE.test(id) ||
    id.startsWith('/') ||
    id.endsWith('/') ||
    id.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    readsAsUrlComponent(id)
  ) {
    throw badRequest(`Invalid public_id ${JSON.stringify(id)}`);
  }
  return id;
}

/** `folder=a/b/` becomes `a/b`; empty means none. */
export const normaliseFolder = (folder: string | undefined) =>
  (folder ?? '')
    .trim()
    .replace(/^\/+|\/+$/g, '')
    .replace(/\/{2,}/g, '/');

/** A file name made URL-safe the way Cloudinary does for use_filename. */
const safeFilename = (name: string) =>
  name
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 200) || 'file';

export interface PublicIdInput {
  publicId: string | undefined;
  folder: string;
  useFilename: boolean;
  uniqueFilename: boolean;
  /** The original file name without extension (or the filename_override). */
  filename: string | null;
  /** Raw files keep their extension in generated public ids. */
  rawExtension: string | null;
}

/**
 * The public id of a new upload: the given one, the file name (with a random
 * suffix unless unique_filename is false), or 20 random characters; under
 * `folder` in each case.
 */
export function choosePublicId(p: PublicIdInput): string {
  let id: string;
  if (p.publicId) id = p.publicId;
  else {
    id = p.useFilename && p.filename ? safeFilename(p.filename) + (p.uniqueFilename ? `_${randomId(6)}` : '') : randomId(20);
    if (p.rawExtension) id += `.${p.rawExtension}`;
  }
  return validatePublicId(p.folder ? `${p.folder}/${id}` : id);
}
