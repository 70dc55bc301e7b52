import { badRequest } from '../../errors';
import type { FontFace } from './fonts';
import { readFont } from './sfnt';
import { isWoff, isWoff2, unwrapWoff } from './woff';

/** Whether a text layer's family names an uploaded font file (its public id, extension included). */
export const isFontFile = (family: string) => /\.(?:ttf|otf|woff2?)$/i.test(family);

/** Uploaded fonts larger than this are refused: a font is glyphs, not a way to make the engine hold a large file. */
export const MAX_FONT_FILE_BYTES = 8 * 1024 * 1024;

/**
 * An uploaded font file (TTF, OTF or WOFF) checked and made ready to draw
 * with. Anything else, or a font whose tables do not hold together, is a 400
 * naming the file.
 */
export async function faceFromFile(bytes: Uint8Array, name: string): Promise<FontFace> {
  if (bytes.length > MAX_FONT_FILE_BYTES) throw badRequest(`Font file ${name} is too large: at most ${MAX_FONT_FILE_BYTES} bytes`);
  if (isWoff2(bytes)) throw badRequest(`Font file ${name}: WOFF2 fonts are not supported here, upload the TTF or OTF`);
  const sfnt = isWoff(bytes) ? await unwrapWoff(bytes, name, MAX_FONT_FILE_BYTES) : bytes;
  const metrics = readFont(sfnt, name);
  return { family: metrics.family, variants: [{ buffer: sfnt, metrics }] };
}
