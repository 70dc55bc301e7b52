import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import { FLAGS, OUTPUT_FORMATS, type FlagName, type Flags, type OutputFormat, type Quality, type QualityLevel } from '../types';
import { invalid } from '../values';

const FORMAT_ALIASES: Record<string, OutputFormat> = { jpeg: 'jpg', jpe: 'jpg' };
/** Formats Cloudinary can produce that this worker cannot encode. */
const UNSUPPORTED_FORMATS = new Set([
  'tiff',
  'tif',
  'bmp',
  'ico',
  'pdf',
  'heic',
  'heif',
  'jxl',
  'jp2',
  'wdp',
  'psd',
  'eps',
  'mp4',
  'webm',
  'mov',
  'ogv',
  'flv',
  'm3u8',
  'ts',
  'mpd',
  'mkv',
  'mp3',
  'wav',
  'ogg',
  'flif',
  'bw',
  'arw',
  'cr2',
  'djvu',
  'fbx',
  'glb',
  'gltf',
  'usdz',
]);

/** A format name as in `f_` or a delivery URL's extension. */
export function parseFormat(raw: string): OutputFormat | 'auto' {
  // `f_auto:animated` (next-cloudinary's zoompan): f_auto already keeps an animation in an animated format (src/engine/animation/plan.ts).
  const f: string = raw === 'auto:animated' ? 'auto' : (FORMAT_ALIASES[raw] ?? raw);
  if (f === 'auto' || (OUTPUT_FORMATS as readonly string[]).includes(f)) return f as OutputFormat | 'auto';
  if (UNSUPPORTED_FORMATS.has(f)) throw badRequest(`Output format ${raw} is not supported`);
  throw invalid('format', raw);
}

export const f: ParamEntry<'f'> = {
  key: 'f',
  parse: parseFormat,
  canonical: (v) => v,
  effect: 'output',
};

const LEVELS: readonly QualityLevel[] = ['best', 'good', 'eco', 'low'];

export const q: ParamEntry<'q'> = {
  key: 'q',
  parse(raw): Quality {
    if (raw === 'auto') return { kind: 'auto', level: 'good' };
    const auto = /^auto:(\w+)$/.exec(raw);
    if (auto) {
      if (!(LEVELS as readonly string[]).includes(auto[1])) throw invalid('quality', raw);
      return { kind: 'auto', level: auto[1] as QualityLevel };
    }
    if (raw === 'jpegmini' || raw.startsWith('jpegmini:')) throw badRequest('Quality jpegmini is not supported');
    if (/^\d+:(444|420|422)$/.test(raw)) throw badRequest(`Chroma subsampling in quality is not supported: ${raw}`);
    if (!/^\d+$/.test(raw)) throw invalid('quality', raw);
    const value = Number(raw);
    if (value < 1 || value > 100) throw invalid('quality', raw);
    return { kind: 'fixed', value };
  },
  canonical: (v) => (v.kind === 'fixed' ? String(v.value) : v.level === 'good' ? 'auto' : `auto:${v.level}`),
  effect: 'output',
};

/** Cloudinary flags this worker knows but does not implement: refused rather than silently ignored. */
const UNSUPPORTED_FLAGS = new Set([
  'region_relative',
  'cutter',
  'clip',
  'clip_evenodd',
  'replace_image',
  'any_format',
  'force_strip',
  'force_icc',
  'immutable_cache',
  'preserve_transparency',
  'rasterize',
  'lossless',
  'sanitize',
  'splice',
  'streaming_attachment',
  'truncate_ts',
  'waveform',
  'keep_attribution',
  'keep_dar',
  'no_stream',
  'mono',
  'hlsv3',
  'attachment_stream',
  'ignore_mask_channels',
  'c2pa',
  'draco',
  'alternate',
  'animated_png',
  'animated_webp',
  'text_no_kerning',
  'progressive:semi',
  'progressive:steep',
  'progressive:none',
]);

export const fl: ParamEntry<'fl'> = {
  key: 'fl',
  parse(raw): Flags {
    const flags: Flags = { names: [] };
    for (const part of raw.split('.')) {
      const [name, arg] = part.split(/:(.*)/s);
      if (name === 'attachment' && arg !== undefined) {
        if (!arg || /[\\/"\u0000-\u001f]/.test(arg)) throw invalid('flag', part);
        flags.attachmentName = arg;
      }
      if ((FLAGS as readonly string[]).includes(name) && (arg === undefined || name === 'attachment')) {
        if (!flags.names.includes(name as FlagName)) flags.names.push(name as FlagName);
        continue;
      }
      if (UNSUPPORTED_FLAGS.has(part) || UNSUPPORTED_FLAGS.has(name)) throw badRequest(`Flag ${part} is not supported`);
      throw invalid('flag', part);
    }
    flags.names.sort();
    return flags;
  },
  canonical: (v) => v.names.map((n) => (n === 'attachment' && v.attachmentName ? `attachment:${v.attachmentName}` : n)).join('.'),
  effect: 'output',
};
