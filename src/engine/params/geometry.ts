import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import { COMPASS, CROP_MODES, type Compass, type Dpr, type FaceGravity, type Gravity } from '../types';
import { formatLength, formatNumber, invalid, parseEnum, parseLength, parseNumber, parseRatio } from '../values';

/** Only widths are automatic (`w_auto`, read by the parser before this entry); expressions are the parser's too (expressions/). */
function refuseExpression(name: string, raw: string): void {
  if (/^auto\b/.test(raw)) throw badRequest(`Automatic ${name} (${raw}) is not supported`);
}

const length = (key: 'w' | 'h', name: string): ParamEntry<'w' | 'h'> => ({
  key,
  parse(raw) {
    refuseExpression(name, raw);
    return parseLength(name, raw);
  },
  canonical: formatLength,
  effect: 'geometry',
});

const offset = (key: 'x' | 'y'): ParamEntry<'x' | 'y'> => ({
  key,
  parse(raw) {
    refuseExpression(key, raw);
    return parseLength(key, raw, { allowNegative: true });
  },
  canonical: formatLength,
  effect: 'geometry',
});

/** Content-aware gravities without a detector of their own (text, bodies, eyes): they use the region of `g_auto`. */
const AUTO_ALIASES = /^(auto(:.*)?|ocr_text|body(:.*)?|adv_.*)$/;
/** The face gravities: whether all faces count, and what stands in when there is none (Cloudinary's defaults). */
const FACES: Record<string, Omit<FaceGravity, 'kind' | 'raw'>> = {
  face: { all: false, fallback: 'north' },
  faces: { all: true, fallback: 'north' },
  adv_face: { all: false, fallback: 'north' },
  adv_faces: { all: true, fallback: 'north' },
  'face:center': { all: false, fallback: 'center' },
  'faces:center': { all: true, fallback: 'center' },
  face_center: { all: false, fallback: 'center' },
  faces_center: { all: true, fallback: 'center' },
  'face:auto': { all: false, fallback: 'auto' },
  'faces:auto': { all: true, fallback: 'auto' },
  'auto:face': { all: false, fallback: 'auto' },
  'auto:faces': { all: true, fallback: 'auto' },
  'auto:adv_face': { all: false, fallback: 'auto' },
  'auto:adv_faces': { all: true, fallback: 'auto' },
};
/** `g_custom` and its fallbacks (`g_custom:face`, `g_custom:faces`, and the `adv_` spellings). */
const CUSTOM = /^custom(?::(?:adv_)?(faces?))?$/;
const COMPASS_ALIASES: Record<string, Compass> = { centre: 'center' };

export const w = length('w', 'width') as ParamEntry<'w'>;
export const h = length('h', 'height') as ParamEntry<'h'>;
export const x = offset('x') as ParamEntry<'x'>;
export const y = offset('y') as ParamEntry<'y'>;

export const ar: ParamEntry<'ar'> = {
  key: 'ar',
  parse: (raw) => parseRatio('aspect ratio', raw),
  canonical: (v) => formatNumber(Math.round(v * 1e6) / 1e6),
  effect: 'geometry',
};

export const c: ParamEntry<'c'> = {
  key: 'c',
  parse(raw) {
    if (['imagga_crop', 'imagga_scale', 'auto_pad'].includes(raw)) throw badRequest(`Crop mode ${raw} is not supported`);
    return parseEnum('crop mode', raw, CROP_MODES);
  },
  canonical: (v) => v,
  effect: 'geometry',
};

export const g: ParamEntry<'g'> = {
  key: 'g',
  parse(raw): Gravity {
    const dir = COMPASS_ALIASES[raw] ?? raw;
    if ((COMPASS as readonly string[]).includes(dir)) return { kind: 'compass', dir: dir as Compass };
    if (raw === 'xy_center') return { kind: 'xy_center' };
    const custom = CUSTOM.exec(raw);
    if (custom) return custom[1] ? { kind: 'custom', fallback: custom[1] as 'face' | 'faces' } : { kind: 'custom' };
    if (Object.hasOwn(FACES, raw)) return { kind: 'faces', raw, ...FACES[raw] };
    if (AUTO_ALIASES.test(raw)) return { kind: 'auto' };
    throw invalid('gravity', raw);
  },
  canonical(v) {
    if (v.kind === 'compass') return v.dir;
    if (v.kind === 'custom') return v.fallback ? `custom:${v.fallback}` : 'custom';
    if (v.kind === 'faces') return v.raw;
    // An area is never parsed from a URL: it is what g_custom resolves to, written here only for completeness.
    if (v.kind === 'area') return `area:${v.area.x}:${v.area.y}:${v.area.width}:${v.area.height}`;
    return v.kind;
  },
  effect: 'geometry',
};

export const z: ParamEntry<'z'> = {
  key: 'z',
  parse(raw) {
    refuseExpression('zoom', raw);
    const n = parseNumber('zoom', raw, 0.01, 100);
    if (n <= 0) throw invalid('zoom', raw);
    return n;
  },
  canonical: formatNumber,
  effect: 'geometry',
};

export const dpr: ParamEntry<'dpr'> = {
  key: 'dpr',
  parse(raw): Dpr {
    if (raw === 'auto') return 'auto';
    const n = parseNumber('dpr', raw, 0.01, 10);
    if (n <= 0) throw invalid('dpr', raw);
    return n;
  },
  canonical: (v) => (v === 'auto' ? 'auto' : formatNumber(v)),
  effect: 'geometry',
};
