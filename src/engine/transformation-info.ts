import { isTransformationComponent } from './keys';

/** URL keys back to the SDK's option names (`w` is `width`, `c` is `crop`, ...), for the `info` of a transformation. */
const OPTION_NAMES: Record<string, string> = {
  a: 'angle',
  ac: 'audio_codec',
  af: 'audio_frequency',
  ar: 'aspect_ratio',
  b: 'background',
  bo: 'border',
  br: 'bit_rate',
  c: 'crop',
  co: 'color',
  cs: 'color_space',
  d: 'default_image',
  dl: 'delay',
  dn: 'density',
  dpr: 'dpr',
  du: 'duration',
  e: 'effect',
  eo: 'end_offset',
  f: 'fetch_format',
  fl: 'flags',
  fn: 'custom_function',
  fps: 'fps',
  g: 'gravity',
  h: 'height',
  if: 'if',
  ki: 'keyframe_interval',
  l: 'overlay',
  o: 'opacity',
  p: 'prefix',
  pg: 'page',
  q: 'quality',
  r: 'radius',
  so: 'start_offset',
  sp: 'streaming_profile',
  t: 'transformation',
  u: 'underlay',
  vc: 'video_codec',
  vs: 'video_sampling',
  w: 'width',
  x: 'x',
  y: 'y',
  z: 'zoom',
};

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A transformation definition as the SDK's `build_eager` sends it: components, and an optional `/<format>` suffix. */
export interface Definition {
  components: string[];
  /** `''` for an explicitly empty format (`c_scale,w_100/`), undefined when none was given. */
  format?: string;
}

/** Splits `c_scale,w_100/e_sepia/jpg`; null when it is not a transformation at all. */
export function parseDefinition(s: string): Definition | null {
  const parts = s.split('/');
  const last = parts[parts.length - 1];
  const hasFormat = parts.length > 1 && (last === '' || /^[a-z0-9]{1,8}$/i.test(last)) && !isTransformationComponent(last);
  const components = hasFormat ? parts.slice(0, -1) : parts;
  if (!components.length || !components.every(isTransformationComponent)) return null;
  return { components, format: hasFormat ? last : undefined };
}

/** `c_scale,w_102/` → `[{crop: "scale", width: 102, extension: "none"}]`, as Cloudinary's `info`. */
export function definitionInfo(d: Definition): Record<string, string | number>[] {
  const info = d.components.map((component) => {
    const out: Record<string, string | number> = {};
    for (const item of component.split(',')) {
      const i = item.indexOf('_');
      const key = item.slice(0, i);
      const value = item.slice(i + 1);
      out[OPTION_NAMES[key] ?? key] = NUMBER.test(value) ? Number(value) : value;
    }
    return out;
  });
  if (d.format !== undefined) info[info.length - 1].extension = d.format === '' ? 'none' : d.format;
  return info;
}
