import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';
import { parseContext } from './context';
import { normaliseFolder } from './public-id';
import { parseBackgroundOptions, type BackgroundOptions } from '../jobs/background-options';
import { parsePlacementOptions, type PlacementOptions } from './placement';
import { rejectAddOns } from './add-ons';
import { parseBreakpoints, type BreakpointRequest } from './breakpoints';
import { parseAccessControl } from '../../protocol/access-control';

export const STORAGE_TYPES = ['upload', 'private', 'authenticated'] as const;
type StorageType = (typeof STORAGE_TYPES)[number];
/** Types only the service itself writes: the results of `multi` and `generate_sprite`, named by their tag. */
type GeneratedType = 'multi' | 'sprite';
const ACCESS_MODES = ['public', 'authenticated'] as const;

/** The upload parameters this worker acts on, parsed and checked once
 * (https://cloudinary.com/documentation/image_upload_api_reference#upload_optional_parameters). */
export interface UploadOptions {
  publicId: string | undefined;
  folder: string;
  useFilename: boolean;
  uniqueFilename: boolean;
  filenameOverride: string | undefined;
  discardOriginalFilename: boolean;
  type: StorageType | GeneratedType;
  accessMode: (typeof ACCESS_MODES)[number];
  overwrite: boolean;
  invalidate: boolean;
  backup: boolean | undefined;
  returnDeleteToken: boolean;
  tags: string[];
  context: Record<string, string>;
  coordinates: Coordinates | null;
  allowedFormats: string[];
  /** Incoming transformation, applied before storing. */
  transformation: string | undefined;
  /** Eager transformations, each `<transformation>[/<format>]`. */
  eager: string[];
  displayName: string | undefined;
  assetFolder: string | undefined;
  /** Dynamic folder mode: where the public id comes from besides `public_id` (see placement.ts). */
  placement: PlacementOptions;
  /** `responsive_breakpoints` requests (breakpoints.ts). */
  breakpoints: BreakpointRequest[];
  /** `access_control` as stored (JSON of checked rules), or undefined when not given. */
  accessControl: string | undefined;
  /** The format an image is converted to on upload (`format=jpg`), lower case. */
  format: string | undefined;
  /** Structured metadata as sent (`id=v|id2=["a"]` or JSON), checked against the cloud's fields before anything is stored. */
  metadata: string | undefined;
  /** `eval`: a script run against the file's facts before it is stored (src/protocol/upload-eval.ts). */
  eval: string | undefined;
  /** Semantic data, notifications, eager_async and moderation (src/jobs). */
  background: BackgroundOptions;
}

export interface Coordinates {
  faces?: number[][];
  custom?: number[][];
}

export function oneOf<T extends string>(params: Params, key: string, allowed: readonly T[], fallback: T): T {
  const v = params.string(key) || fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw badRequest(`Invalid ${key} ${JSON.stringify(v)}. Valid values: ${allowed.join(', ')}`);
  return v as T;
}

/** `x,y,w,h|x,y,w,h` rectangles of non-negative integers. */
function parseRectangles(key: string, raw: string | undefined): number[][] | undefined {
  if (!raw) return undefined;
  return raw
    .split('|')
    .filter(Boolean)
    .map((r) => {
      const n = r.split(',').map((s) => Number(s.trim()));
      if (n.length !== 4 || n.some((v) => !Number.isInteger(v) || v < 0))
        throw badRequest(`Invalid ${key} ${JSON.stringify(raw)}: expected x,y,w,h|x,y,w,h`);
      return n;
    });
}

export function parseCoordinates(params: Params): Coordinates | null {
  const faces = parseRectangles('face_coordinates', params.string('face_coordinates'));
  const custom = parseRectangles('custom_coordinates', params.string('custom_coordinates'));
  if (!faces && !custom) return null;
  return { ...(faces ? { faces } : {}), ...(custom ? { custom } : {}) };
}

/** `eager` as sent: `t1|t2/jpg`, or repeated fields from JSON arrays. */
export function eagerItems(params: Params): string[] {
  const v = params.fields.eager;
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v.flatMap((s) => s.split('|')) : v.split('|');
  return items.map((s) => s.trim()).filter(Boolean);
}

/** Formats an upload can be converted to: the engine's output formats. */
const TARGET_FORMATS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif']);

function parseTargetFormat(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const f = raw.toLowerCase().replace(/^\./, '');
  return f === 'jpeg' ? 'jpg' : f;
}

/** An image can be converted on upload to the formats the engine writes; anything else is a 400. */
export function checkTargetFormat(format: string): string {
  if (!TARGET_FORMATS.has(format)) throw badRequest(`Invalid format ${format}: images convert to ${[...TARGET_FORMATS].join(', ')}`);
  return format;
}

export function parseUploadOptions(params: Params, signed: boolean): UploadOptions {
  rejectAddOns(params);
  return {
    publicId: params.string('public_id') || undefined,
    folder: normaliseFolder(params.string('folder')),
    useFilename: params.bool('use_filename', false),
    uniqueFilename: params.bool('unique_filename', true),
    filenameOverride: params.string('filename_override') || undefined,
    discardOriginalFilename: params.bool('discard_original_filename', false),
    type: oneOf(params, 'type', STORAGE_TYPES, 'upload'),
    accessMode: oneOf(params, 'access_mode', ACCESS_MODES, 'public'),
    // Unsigned uploads never replace an existing asset unless their preset says so.
    overwrite: params.bool('overwrite', signed),
    invalidate: params.bool('invalidate', false),
    backup: params.has('backup') ? params.bool('backup', false) : undefined,
    returnDeleteToken: params.bool('return_delete_token', false),
    tags: params.list('tags'),
    context: parseContext(params.string('context')),
    coordinates: parseCoordinates(params),
    allowedFormats: params.list('allowed_formats').map((f) => f.toLowerCase()),
    transformation: params.string('transformation') || undefined,
    eager: eagerItems(params),
    displayName: params.string('display_name') || undefined,
    assetFolder: params.string('asset_folder') || undefined,
    placement: parsePlacementOptions(params),
    metadata: params.string('metadata') || undefined,
    format: parseTargetFormat(params.string('format')),
    breakpoints: parseBreakpoints(params.string('responsive_breakpoints')),
    accessControl: params.has('access_control') ? JSON.stringify(parseAccessControl(params.string('access_control') ?? '')) : undefined,
    eval: params.string('eval') || undefined,
    background: parseBackgroundOptions(params),
  };
}
