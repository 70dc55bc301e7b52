import { badRequest } from '../../errors';

/** Metadata definitions are small; a larger body is refused before it is parsed. */
const MAX_JSON_BYTES = 256 * 1024;

/** A request's JSON object body (the SDK's `content_type: 'json'` calls); anything else is a 400. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw badRequest('Request body too large');
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('Invalid JSON body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Invalid JSON body: expected an object');
  return body as Record<string, unknown>;
}
