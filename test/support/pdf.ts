/**
 * A small PDF reader for tests, independent of the worker's own
 * (src/engine/pdf/reader.ts): it checks the cross-reference table against the
 * objects it points at and takes each page's JPEG out of the file.
 */
export interface ParsedPdf {
  version: string;
  /** Objects of `/Type /Page` (not `/Pages`). */
  pageObjects: number;
  /** xref entries in use whose offset does not start `<n> 0 obj`. */
  badOffsets: number[];
  /** Each page in page-tree order: its MediaBox size and its image. */
  pages: { width: number; height: number; image: { width: number; height: number; colourSpace: string; jpeg: Uint8Array } }[];
  endsWithEof: boolean;
}

const text = (b: Uint8Array) => {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};

export function parsePdf(b: Uint8Array): ParsedPdf {
  const all = text(b);
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(all)?.[1]);
  const table = all.slice(startxref);
  if (!table.startsWith('xref')) throw new Error('startxref does not point at the xref table');
  const [, first, count] = /^xref\s+(\d+)\s+(\d+)\s/.exec(table) ?? [];
  const entries = table.slice(table.indexOf(count) + count.length).replace(/^\s+/, '');
  const offsets = new Map<number, number>();
  for (let i = 0; i < Number(count); i++) {
    const entry = entries.slice(i * 20, i * 20 + 20);
    if (entry.length !== 20) throw new Error(`xref entry ${i} is not 20 bytes`);
    if (entry[17] === 'n') offsets.set(Number(first) + i, Number(entry.slice(0, 10)));
  }
  const badOffsets = [...offsets].filter(([n, off]) => !all.startsWith(`${n} 0 obj`, off)).map(([n]) => n);
  const body = (n: number) => {
    const off = offsets.get(n)!;
    return all.slice(off, all.indexOf('endobj', off));
  };
  const root = Number(/\/Root\s+(\d+)\s+0\s+R/.exec(table)?.[1]);
  const pagesObj = Number(/\/Pages\s+(\d+)\s+0\s+R/.exec(body(root))?.[1]);
  const kids = [.../\/Kids\s*\[([^\]]*)\]/.exec(body(pagesObj))![1].matchAll(/(\d+)\s+0\s+R/g)].map((m) => Number(m[1]));
  const pages = kids.map((kid) => {
    const page = body(kid);
    const [, , , w, h] = /\/MediaBox\s*\[\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\]/.exec(page)!;
    const imageObj = Number(/\/XObject\s*<<\s*\/\w+\s+(\d+)\s+0\s+R/.exec(page)![1]);
    const off = offsets.get(imageObj)!;
    const dict = all.slice(off, all.indexOf('stream', off));
    const length = Number(/\/Length\s+(\d+)/.exec(dict)![1]);
    if (!/\/Filter\s*\/DCTDecode/.test(dict)) throw new Error(`page ${kid}: image is not DCTDecode`);
    const start = all.indexOf('stream', off) + 'stream'.length + (all[all.indexOf('stream', off) + 6] === '\r' ? 2 : 1);
    if (!all.startsWith('endstream', start + length + 1)) throw new Error(`page ${kid}: /Length does not end at endstream`);
    return {
      width: Number(w),
      height: Number(h),
      image: {
        width: Number(/\/Width\s+(\d+)/.exec(dict)![1]),
        height: Number(/\/Height\s+(\d+)/.exec(dict)![1]),
        colourSpace: /\/ColorSpace\s*\/(\w+)/.exec(dict)![1],
        jpeg: b.slice(start, start + length),
      },
    };
  });
  return {
    version: /^%PDF-(\d\.\d)/.exec(all)?.[1] ?? '',
    pageObjects: [...all.matchAll(/\/Type\s*\/Page(?!s)/g)].length,
    badOffsets,
    pages,
    endsWithEof: /%%EOF\s*$/.test(all),
  };
}
