import { badRequest } from '../errors';

/**
 * Cloudinary's `access_control`: a list of `{access_type: "anonymous", start?, end?}`
 * (public within the window) and `{access_type: "token"}` (a token or signature is
 * needed) entries. An asset with access control is public only while one of its
 * anonymous windows is open.
 */
export interface AccessRule {
  access_type: 'anonymous' | 'token';
  start?: string;
  end?: string;
}

const isTime = (v: unknown) => v === undefined || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));

/** The parameter as sent (JSON object or array); anything malformed is a 400 "Illegal value". */
export function parseAccessControl(raw: string): AccessRule[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest(`Illegal value ${raw} for parameter access_control: expected JSON`);
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((e: unknown) => {
    const r = e as Partial<AccessRule> | null;
    const ok = !!r && (r.access_type === 'anonymous' || r.access_type === 'token') && isTime(r.start) && isTime(r.end);
    if (!ok)
      throw badRequest(
        `Illegal value ${raw} for parameter access_control: each entry needs access_type anonymous or token, and ISO 8601 start/end`,
      );
    const rule: AccessRule = { access_type: r.access_type as AccessRule['access_type'] };
    if (r.start) rule.start = r.start;
    if (r.end) rule.end = r.end;
    return rule;
  });
}

/** Whether the stored access control lets anyone in at `now`. */
export function openToAnonymous(stored: string, now: number): boolean {
  let rules: AccessRule[];
  try {
    rules = JSON.parse(stored) as AccessRule[];
  } catch {
    return false;
  }
  if (!Array.isArray(rules)) return false;
  return rules.some(
    (r) => r.access_type === 'anonymous' && (!r.start || Date.parse(r.start) <= now) && (!r.end || now < Date.parse(r.end)),
  );
}
