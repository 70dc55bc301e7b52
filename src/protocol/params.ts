import { badRequest } from '../errors';

export type FieldValue = string | string[];

/** An uploaded file part (multipart) as the reader found it. */
export interface FilePart {
  name: string;
  type: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Request parameters from the query, multipart, urlencoded (with or without a
 * Content-Type) or JSON bodies, with `k`, `k[]` and `k[N]` array forms folded
 * into one key, in order (spec §7.1, §8.1).
 */
export class Params {
  constructor(
    readonly fields: Record<string, FieldValue>,
    readonly file?: FilePart,
  ) {}

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
    return new Params({ ...this.fields, ...extra }, this.file);
  }
}

/** `k[]` and `k[3]` fold into `k`; values accumulate in arrival order. */
export function addField(target: Record<string, FieldValue>, rawKey: string, value: string): void {
  const m = /^(.*?)\[(\d*)\]$/.exec(rawKey);
  const key = m ? m[1] : rawKey;
  const isArray = !!m;
  const prev = target[key];
  if (prev === undefined) target[key] = isArray ? [value] : value;
  else if (Array.isArray(prev)) prev.push(value);
  else target[key] = [prev, value];
}

function fromJson(value: unknown, target: Record<string, FieldValue>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('Invalid JSON body: expected an object');
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) target[k.replace(/\[\]$/, '')] = v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    else target[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

function fromSearch(search: URLSearchParams, target: Record<string, FieldValue>): void {
  for (const [k, v] of search) addField(target, k, v);
}

/**
 * The query string's parameters. The Node SDK sends the parameters of its
 * JSON-typed GET calls (`resources_by_asset_folder`, ...) as the JSON text
 * itself: `?{"asset_folder":"x"}`.
 */
function fromQuery(url: URL, target: Record<string, FieldValue>): void {
  const raw = url.search.slice(1);
  if (!/^(\{|%7B)/i.test(raw)) return fromSearch(url.searchParams, target);
  try {
    fromJson(JSON.parse(decodeURIComponent(raw)), target);
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof URIError) throw badRequest('Invalid JSON in the query string');
    throw err;
  }
}

/**
 * Reads every parameter of a request: the query string first, then the body.
 * A malformed body is a 400, never a 500.
 */
export async function readParams(req: Request): Promise<Params> {
  const fields: Record<string, FieldValue> = {};
  fromQuery(new URL(req.url), fields);
  if (req.method === 'GET' || req.method === 'HEAD' || !req.body) return new Params(fields);
  const type = (req.headers.get('content-type') ?? '').toLowerCase();
  let file: FilePart | undefined;
  try {
    if (type.startsWith('multipart/form-data')) {
      const form = await req.formData();
      for (const [k, v] of form as unknown as Iterable<[string, string | File]>) {
        if (typeof v === 'string') addField(fields, k, v);
        else if (k === 'file') file = v as unknown as FilePart;
        else addField(fields, k, await v.text());
      }
    } else {
      addTextBody(type, await req.text(), fields);
    }
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof TypeError) throw badRequest(`Invalid request body: ${err.message}`);
    throw err;
  }
  return new Params(fields, file);
}

/** A JSON or urlencoded body (or one with no Content-Type at all: the Go SDK sends none) into `fields`. */
export function addTextBody(contentType: string, text: string, fields: Record<string, FieldValue>): void {
  if (contentType.toLowerCase().startsWith('application/json')) {
    if (text.trim()) fromJson(JSON.parse(text), fields);
  } else {
    fromSearch(new URLSearchParams(text), fields);
  }
}

/** The query string's parameters. */
export function queryFields(url: string): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  fromSearch(new URL(url).searchParams, fields);
  return fields;
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
