import { badRequest } from '../errors';
import { addField, type FieldValue } from './body/field-value';
import { FIELD_LIMITS, readBodyFields } from './body/fields';

export type { FieldValue };

/**
 * Request parameters from the query, multipart, urlencoded (with or without a
 * Content-Type) or JSON bodies, with `k`, `k[]` and `k[N]` array forms folded
 * into one key, in order, as the SDKs send arrays and hashes.
 */
export class Params {
  constructor(readonly fields: Record<string, FieldValue>) {}

  has(key: string): boolean {
    return key in this.fields && this.string(key) !== '';
  }

  /** The value as one string: arrays are joined with "," as they are signed. */
  string(key: string): string | undefined {
    const v = this.fields[key];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(',') : v;
  }

  /** The value as a list: repeated fields as given, a single string split on ",". */
  list(key: string): string[] {
    const v = this.fields[key];
    if (v === undefined || v === '') return [];
    if (Array.isArray(v)) return v.filter((s) => s !== '');
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Cloudinary's booleans: true/1/yes or false/0/no; anything else is a 400. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.string(key);
    if (v === undefined || v === '') return fallback;
    const s = v.toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
    throw badRequest(`Invalid boolean parameter ${key}: ${v}`);
  }

  int(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`Invalid integer parameter ${key}: ${v}`);
    return Number(v);
  }

  /** The fields a signature covers, each flattened to a string (the file part excluded). */
  signable(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.fields)) out[k] = Array.isArray(v) ? v.join(',') : v;
    return out;
  }

  with(extra: Record<string, FieldValue>): Params {
    return new Params({ ...this.fields, ...extra });
  }
}

function fromSearch(search: URLSearchParams, target: Record<string, FieldValue>): void {
  for (const [k, v] of search) addField(target, k, v);
}

/** A body without a file (Admin API, destroy, rename, tags...) holds its fields and a little framing. */
const MAX_PARAMS_BODY = FIELD_LIMITS.maxTotalBytes + 1024 * 1024;

/**
 * Reads every parameter of a request: the query string first, then the body
 * (multipart, urlencoded, JSON), streamed within the field limits of
 * src/protocol/body/fields.ts. A `file` is read as any field. A malformed
 * or oversized body is a 400, never a 500.
 */
export async function readParams(req: Request): Promise<Params> {
  const fields = queryFields(req.url);
  if (req.method === 'GET' || req.method === 'HEAD' || !req.body) return new Params(fields);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  const tooLarge = () => badRequest(`Request body too large. Maximum is ${MAX_PARAMS_BODY}.`);
  if (declared > MAX_PARAMS_BODY) throw tooLarge();
  await readBodyFields(req.body, req.headers.get('content-type') ?? '', fields, { maxBodyBytes: MAX_PARAMS_BODY, tooLarge });
  return new Params(fields);
}

/**
 * The query string's parameters. The Node SDK sends the parameters of its
 * JSON-typed GET calls (`resources_by_asset_folder`, ...) as the JSON text
 * itself: `?{"asset_folder":"x"}` (bounded, as URLs are).
 */
export function queryFields(url: string): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const parsed = new URL(url);
  const raw = parsed.search.slice(1);
  if (!/^(\{|%7B)/i.test(raw)) {
    fromSearch(parsed.searchParams, fields);
    return fields;
  }
  try {
    fromJson(JSON.parse(decodeURIComponent(raw)), fields);
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof URIError) throw badRequest('Invalid JSON in the query string');
    throw err;
  }
  return fields;
}

/** The members of a JSON object as fields: arrays as lists, nested values as their JSON text. */
function fromJson(value: unknown, target: Record<string, FieldValue>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('Invalid JSON in the query string: expected an object');
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) target[k.replace(/\[\]$/, '')] = v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    else target[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

export function required(params: Params, key: string): string {
  const v = params.string(key);
  if (!v) throw badRequest(`Missing required parameter - ${key}`);
  return v;
}

/** The resource type of a call on existing assets: image or raw (video is not stored here). */
export function storedResourceType(rt: string): 'image' | 'raw' {
  if (rt === 'image' || rt === 'raw') return rt;
  throw badRequest(`Invalid resource type ${rt}`);
}
