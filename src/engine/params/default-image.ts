import type { ParamEntry } from '../registry-types';
import type { DefaultImage } from '../types';
import { invalid } from '../values';

/**
 * `d_<public id>[.<ext>]`: the image delivered instead when the requested one
 * does not exist or was rejected by moderation. Folders are written with `:`
 * (`d_avatars:anon.png` is `avatars/anon`), as the SDKs do. It changes no
 * pixels, so its effect is on the source only (see src/delivery/default-image.ts).
 */
export const d: ParamEntry<'d'> = {
  key: 'd',
  parse(raw): DefaultImage {
    const path = raw.replace(/:/g, '/');
    if (!path || path.startsWith('/') || path.includes('..') || /[\u0000-\u001f?#\\]/.test(path)) throw invalid('default image', raw);
    const dot = path.lastIndexOf('.');
    if (dot > 0 && /^[a-z0-9]+$/i.test(path.slice(dot + 1)))
      return { publicId: path.slice(0, dot), format: path.slice(dot + 1).toLowerCase() };
    return { publicId: path };
  },
  canonical: (v) => v.publicId.replace(/\//g, ':') + (v.format ? `.${v.format}` : ''),
  effect: 'output',
};
