import { badRequest } from '../../errors';
import type { Effect, OutputFormat, Plan } from '../types';

/** What an animated answer is made from: an animated source's frames, or a still's zoom and pan. */
export type AnimationSource = 'frames' | 'zoompan';

/** Formats and sources that keep (or make) an animation. */
const ANIMATED_SOURCE_FORMATS = new Set(['gif', 'webp']);

const isAnimatedSource = (s: { format: string; pages?: number | null }) => ANIMATED_SOURCE_FORMATS.has(s.format) && (s.pages ?? 1) > 1;

const effects = (plan: Plan): Effect[] => plan.components.flatMap((c) => (c.params.e ? [c.params.e] : []));
const hasZoomPan = (plan: Plan) => effects(plan).some((e) => e.name === 'zoompan');

/**
 * Whether the answer is an animation, and from what. As Cloudinary does: an
 * animated GIF or WebP stays animated when delivered as GIF or WebP (`f_webp`,
 * `fl_awebp`, `f_auto` choosing WebP) or as PNG with `fl_apng`; a single
 * `pg_<n>` or a still format (JPEG, AVIF, PNG without fl_apng) gives one
 * frame. `e_zoompan` makes an animation of a still.
 */
export function animationOf(
  plan: Plan,
  source: { format: string; pages?: number | null },
  format: OutputFormat,
): AnimationSource | undefined {
  const zoompan = hasZoomPan(plan);
  const frames = isAnimatedSource(source);
  if (!zoompan && !frames) return undefined;
  const flags = plan.output.flags;
  const animatedFormat = format === 'gif' || format === 'webp' || (format === 'png' && flags.has('apng'));
  if (!animatedFormat) {
    if (zoompan || flags.has('animated')) {
      throw badRequest(`An animation cannot be delivered as ${format.toUpperCase()}: use f_gif, f_webp, f_auto or f_png with fl_apng`);
    }
    return undefined;
  }
  if (zoompan) return 'zoompan';
  const page = plan.components.find((c) => c.params.pg !== undefined)?.params.pg;
  return typeof page === 'number' ? undefined : 'frames';
}

/** Whether the answer will move, whatever its format: an animated source (unless one `pg_` picks a frame) or e_zoompan. */
export function wantsAnimation(plan: Plan, source: { format: string; pages?: number | null }): boolean {
  if (hasZoomPan(plan)) return true;
  const page = plan.components.find((c) => c.params.pg !== undefined)?.params.pg;
  return isAnimatedSource(source) && typeof page !== 'number';
}

/**
 * `f_auto` for an animation: animated WebP where the browser takes WebP (an
 * `Accept` naming AVIF counts: such browsers take WebP too, and no animated
 * AVIF is written here), animated GIF otherwise.
 */
export const animatedAutoFormat = (negotiated: OutputFormat): OutputFormat =>
  negotiated === 'avif' || negotiated === 'webp' ? 'webp' : 'gif';

/** e_loop: repetitions after the first play (0 or no count: forever); e_boomerang; dl_. */
export interface Timeline {
  loop?: number;
  boomerang: boolean;
  delay?: number;
}

export function timelineOf(plan: Plan): Timeline {
  const list = effects(plan);
  const loop = list.find((e) => e.name === 'loop');
  const delay = [...plan.components].reverse().find((c) => c.params.dl !== undefined)?.params.dl;
  return {
    ...(loop ? { loop: loop.level ?? 0 } : {}),
    boomerang: list.some((e) => e.name === 'boomerang'),
    ...(delay !== undefined ? { delay } : {}),
  };
}
