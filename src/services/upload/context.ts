/**
 * Cloudinary's `context` (and `metadata`) encoding: `k=v|k2=v2`, with `\=` and
 * `\|` escaping literal separators in values, as the SDKs send it. JSON objects are accepted too.
 */
export function parseContext(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const trimmed = raw.trim();
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      // not JSON after all: fall through to the k=v form
    }
  }
  const out: Record<string, string> = {};
  for (const item of splitUnescaped(raw, '|')) {
    if (!item) continue;
    const [k, ...rest] = splitUnescaped(item, '=');
    const key = unescape(k).trim();
    if (!key) continue;
    out[key] = unescape(rest.join('='));
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

const unescape = (s: string) => s.replace(/\\([=|\\])/g, '$1');
