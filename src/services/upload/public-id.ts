import { badRequest } from '../../errors';
import { randomId } from '../../auth/crypto';

/** Characters a public id may not contain: controls and what breaks URLs or paths. */
const FORBIDDEN = /[\u0000-\u001f\u007f?#&\\%<>]/;
const MAX_LENGTH = 255;

/** Checks a public id as given or assembled; Cloudinary's wording on failure. */
export function validatePublicId(id: string): string {
  if (
    !id ||
    id.length > MAX_LENGTH ||
    FORBIDDEN.test(id) ||
    id.startsWith('/') ||
    id.endsWith('/') ||
    id.split('/').some((s) => s === '' || s === '.' || s === '..')
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
