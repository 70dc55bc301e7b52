import exifr from 'exifr';

/**
 * `image_metadata` (and its deprecated alias `exif`): the EXIF, GPS, IPTC and
 * XMP fields of the original, parsed by exifr, as one flat object of strings
 * named the way exiftool (and so Cloudinary) names them, e.g.
 * `"ExposureTime": "1/320"`, `"DateTimeOriginal": "2015:07:12 12:06:02"`.
 */
export type ImageMetadata = Record<string, string>;

const OPTIONS = {
  tiff: true,
  ifd1: false,
  exif: true,
  gps: true,
  interop: false,
  iptc: true,
  xmp: true,
  icc: false,
  jfif: false,
  ihdr: true,
  makerNote: false,
  userComment: true,
  translateKeys: true,
  translateValues: true,
  reviveValues: true,
  mergeOutput: true,
  multiSegment: true,
} as const;

/** Fields exifr adds for convenience that are not tags of the file. */
const DERIVED = new Set(['latitude', 'longitude', 'errors']);

const pad = (n: number) => String(n).padStart(2, '0');

/** exiftool's date form, in the time the camera wrote (exifr revives dates as local = UTC here). */
const exifDate = (d: Date) =>
  `${d.getUTCFullYear()}:${pad(d.getUTCMonth() + 1)}:${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/** Exposure times are read as fractions of a second, as cameras show them. */
const FORMATTERS: Record<string, (v: number) => string> = {
  ExposureTime: (v) => (v > 0 && v < 1 ? `1/${Math.round(1 / v)}` : String(v)),
};

function asText(key: string, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : exifDate(v);
  if (typeof v === 'number') return FORMATTERS[key]?.(v) ?? String(v);
  if (typeof v === 'string') return v.replace(/\u0000+$/, '');
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array || ArrayBuffer.isView(v)) return undefined; // binary blobs (thumbnails, maker data)
  if (Array.isArray(v)) {
    const parts = v.map((x) => asText(key, x)).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(', ') : undefined;
  }
  if (typeof v === 'object') {
    // XMP language alternatives arrive as { lang, value }.
    const o = v as Record<string, unknown>;
    if ('value' in o) return asText(key, o.value);
    return JSON.stringify(o);
  }
  return undefined;
}

export async function readImageMetadata(bytes: Uint8Array): Promise<ImageMetadata> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = await exifr.parse(bytes, OPTIONS);
  } catch {
    // A file without readable metadata simply has none.
    return {};
  }
  const out: ImageMetadata = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (DERIVED.has(key)) continue;
    const text = asText(key, value);
    if (text !== undefined && text !== '') out[key] = text;
  }
  return out;
}
