/**
 * Who a delivery request comes from, for per-client limits: the address
 * Cloudflare puts in `CF-Connecting-IP` (a client cannot set it: Cloudflare
 * overwrites it). IPv6 clients usually hold a whole /64, so that is the unit.
 * Without the header (local runs) all requests count as one client.
 */
export function clientKey(req: Request): string {
  const ip = req.headers.get('CF-Connecting-IP')?.trim().toLowerCase() ?? '';
  if (!ip) return 'unknown';
  if (!ip.includes(':')) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded). */
function expandIpv6(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = ip.includes('::') ? Array(Math.max(0, 8 - left.length - right.length)).fill('0') : [];
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
