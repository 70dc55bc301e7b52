/**
 * Which hosts a remote fetch may reach. A host is looked at as written in the
 * URL: Workers have no DNS lookup, so only literal addresses and well-known
 * local names can be recognised here (a public name that resolves to a
 * private address cannot; see docs/remote.md).
 */

/** Why a host is not public, or null when it is. */
export type HostProblem = string | null;

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). */
const IPV4_BLOCKED: ReadonlyArray<readonly [cidr: string, why: string]> = [
  ['0.0.0.0/8', 'unspecified address'],
  ['10.0.0.0/8', 'private address'],
  ['100.64.0.0/10', 'shared (CGNAT) address'],
  ['127.0.0.0/8', 'loopback address'],
  ['169.254.0.0/16', 'link-local or metadata address'],
  ['172.16.0.0/12', 'private address'],
  ['192.0.0.0/24', 'IETF protocol address'],
  ['192.0.2.0/24', 'documentation address'],
  ['192.88.99.0/24', '6to4 relay address'],
  ['192.168.0.0/16', 'private address'],
  ['198.18.0.0/15', 'benchmarking address'],
  ['198.51.100.0/24', 'documentation address'],
  ['203.0.113.0/24', 'documentation address'],
  ['224.0.0.0/4', 'multicast address'],
  ['240.0.0.0/4', 'reserved or broadcast address'],
];

/**
 * IPv6 ranges that are not the public internet. Ranges that embed an IPv4
 * address (mapped, compatible, NAT64, 6to4) are judged by that address instead.
 */
const IPV6_BLOCKED: ReadonlyArray<readonly [cidr: string, why: string]> = [
  ['::/128', 'unspecified address'],
  ['::1/128', 'loopback address'],
  ['64:ff9b:1::/48', 'local NAT64 address'],
  ['100::/64', 'discard address'],
  ['2001::/32', 'Teredo address'],
  ['2001:db8::/32', 'documentation address'],
  ['fc00::/7', 'unique local (private) address'],
  ['fe80::/10', 'link-local address'],
  ['fec0::/10', 'site-local address'],
  ['ff00::/8', 'multicast address'],
];

/** Prefixes whose low 32 bits (or, for 6to4, bits 16-48) are an IPv4 address. */
const IPV6_EMBEDDING_V4: ReadonlyArray<readonly [cidr: string, at: 'low' | '6to4']> = [
  ['::ffff:0:0/96', 'low'], // IPv4-mapped
  ['::/96', 'low'], // IPv4-compatible (deprecated)
  ['::ffff:0:0:0/96', 'low'], // IPv4-translated
  ['64:ff9b::/96', 'low'], // NAT64
  ['2002::/16', '6to4'],
];

/** Names that always mean this machine or a local network, whatever DNS says. */
const LOCAL_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa'];

/**
 * Parses an IPv4 address in any form `inet_aton` accepts (which is what a URL
 * host may be read as): 1 to 4 parts, each decimal, octal (`0` prefix) or hex
 * (`0x`), the last part filling the remaining bytes (`127.1`, `2130706433`).
 */
export function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isFinite(n)) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - nums.length)) return null;
  return nums.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last;
}

/** Parses an IPv6 address (without brackets, zone id allowed) into 8 groups of 16 bits. */
export function parseIpv6(host: string): number[] | null {
  let s = host.replace(/%.*$/, '');
  if (!s.includes(':')) return null;
  let tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parseIpv4(v4[2]);
    if (n === null || !/^\d+\.\d+\.\d+\.\d+$/.test(v4[2])) return null;
    tail = [Math.floor(n / 65536), n % 65536];
    s = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (g: string) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN);
  const head = halves[0] ? halves[0].split(':').map(group) : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : [];
  const given = [...head, ...rest, ...tail];
  if (given.some(Number.isNaN)) return null;
  if (halves.length === 2) {
    if (given.length > 7) return null;
    return [...head, ...new Array(8 - given.length).fill(0), ...rest, ...tail];
  }
  return given.length === 8 ? given : null;
}

const ipv4InCidr = (addr: number, cidr: string) => {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(addr / size) === Math.floor(parseIpv4(base)! / size);
};

const ipv6InCidr = (groups: number[], cidr: string) => {
  const [base, bitsText] = cidr.split('/');
  const b = parseIpv6(base)!;
  let bits = Number(bitsText);
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((groups[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
};

const formatIpv4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

function ipv4Problem(addr: number): HostProblem {
  const hit = IPV4_BLOCKED.find(([cidr]) => ipv4InCidr(addr, cidr));
  return hit ? `${hit[1]} ${formatIpv4(addr)}` : null;
}

function ipv6Problem(groups: number[]): HostProblem {
  for (const [cidr, at] of IPV6_EMBEDDING_V4) {
    if (!ipv6InCidr(groups, cidr)) continue;
    // `::` and `::1` sit inside `::/96` but are IPv6's own unspecified and loopback addresses.
    if (cidr === '::/96' && groups[6] === 0 && groups[7] <= 1) break;
    const v4 = at === 'low' ? groups[6] * 65536 + groups[7] : groups[1] * 65536 + groups[2];
    const problem = ipv4Problem(v4);
    return problem ? `${problem} (embedded in IPv6)` : null;
  }
  const hit = IPV6_BLOCKED.find(([cidr]) => ipv6InCidr(groups, cidr));
  return hit ? `${hit[1]} ${groups.map((g) => g.toString(16)).join(':')}` : null;
}

/**
 * Why `hostname` (as `URL.hostname` gives it: lower case, IPv6 in brackets)
 * is not a public internet host, or null when nothing says it is local.
 */
export function hostProblem(hostname: string): HostProblem {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  if (host.startsWith('[')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? ipv6Problem(groups) : `unparseable IPv6 address ${hostname}`;
  }
  const v4 = parseIpv4(host);
  if (v4 !== null) return ipv4Problem(v4);
  if (!host) return 'empty host name';
  if (LOCAL_NAME_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) return `local host name ${host}`;
  // A name without a dot is resolved against a local search domain, never the public DNS.
  if (!host.includes('.')) return `single-label host name ${host}`;
  return null;
}
