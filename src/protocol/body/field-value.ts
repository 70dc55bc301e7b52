import { badRequest } from '../../errors';

export type FieldValue = string | string[];

/** `k[]` and `k[3]` fold into `k`; values accumulate in arrival order (multipart and urlencoded bodies, the query). */
export function addField(target: Record<string, FieldValue>, rawKey: string, value: string): void {
  const m = /^(.*?)\[(\d*)\]$/.exec(rawKey);
  const key = m ? m[1] : rawKey;
  const isArray = !!m;
  const prev = target[key];
  if (prev === undefined) target[key] = isArray ? [value] : value;
  else if (Array.isArray(prev)) prev.push(value);
  else target[key] = [prev, value];
}

/**
 * A JSON member as a parameter: strings as they are, arrays as lists (a `k[]`
 * name loses its brackets), objects and other values as their JSON text,
 * null dropped. A later member of the same name replaces an earlier one.
 */
export function setJsonField(target: Record<string, FieldValue>, key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) target[key.replace(/\[\]$/, '')] = value.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  else target[key] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The JSON text of a member's value, parsed; malformed JSON is a 400. */
export function parseJsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Invalid request body: ${(err as Error).message}`);
  }
}
