import type { RequestBudget } from './budget';
import { hasEmbeddedProfile, readEmbeddedProfile } from './codecs/icc-profile';
import { profileKind, rgbaToSrgb, type ProfileKind } from './codecs/icc-rows';
import { withCodecSession } from './codecs/pipeline';
import { ICC_CONVERT_BYTES, ICC_CONVERT_OPS } from './costs';
import type { Raster } from './raster';

/**
 * The embedded profile of a PNG or WebP source (photon and libwebp hand
 * their pixels over as stored): read (a PNG's inflated, bounded), classified
 * by the codec module, and the conversion's work spent, all before anything
 * is decoded. Unusable profiles are ignored, as libvips does: the pixels are
 * taken as sRGB.
 */
export interface SourceProfile {
  /** Set when the pixels need converting; charged to the budget (icc.length) until released. */
  icc?: Uint8Array;
  kind?: ProfileKind;
  /** What was found, for engineStats: the kind, or why the profile was ignored ('' when there was none). */
  note: string;
}

export async function sourceProfile(
  input: Uint8Array,
  format: string,
  pixels: number,
  what: string,
  budget: RequestBudget,
): Promise<SourceProfile> {
  if (!hasEmbeddedProfile(input, format)) return { note: '' };
  // What inflating held (its parts and the joined profile) is given back, and the profile charged again only if it is kept.
  let held = 0;
  const read = await readEmbeddedProfile(input, format, (bytes) => {
    budget.memory.charge(bytes, 'reading the ICC profile');
    held += bytes;
  }).finally(() => budget.memory.credit(held));
  const icc = read.icc;
  if (!icc) return { note: `ignored: ${read.ignored ?? 'no profile'}` };
  const kind = budget.memory.during(icc.length + ICC_CONVERT_BYTES, 'reading the ICC profile', () =>
    withCodecSession((s) => profileKind(s, icc)),
  );
  if (kind === 'unusable') return { kind, note: 'ignored: not a usable RGB profile' };
  if (kind === 'srgb') return { kind, note: kind };
  budget.work.spend(pixels, ICC_CONVERT_OPS[kind], `converting ${what} to sRGB`);
  budget.memory.charge(icc.length, 'the ICC profile');
  return { icc, kind, note: kind };
}

/** Converts decoded RGBA pixels in place (the module's strip and transform charged while it runs). */
export function convertToSrgb(img: Raster, icc: Uint8Array, budget: RequestBudget): void {
  budget.memory.during(ICC_CONVERT_BYTES, 'converting to sRGB', () => withCodecSession((s) => rgbaToSrgb(s, img, icc)));
}

/** Gives back the profile's charge once every conversion is done. */
export function releaseProfile(profile: SourceProfile, budget: RequestBudget): void {
  if (profile.icc) budget.memory.credit(profile.icc.length);
}
