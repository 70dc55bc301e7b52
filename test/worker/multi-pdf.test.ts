import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { signParams } from '../../src/auth/api-signature';
import { engineStats } from '../../src/engine/engine';
import { pdfStats } from '../../src/engine/pdf/writer';
import { pdfOfPages } from '../../src/engine/collage/pdf';
import { parsePdf } from '../support/pdf';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';

const DEMO = { key: '123456789012345', secret: 'local-dev-secret' };
const T = { timeout: 120_000 };

async function multi(fields: Record<string, string>): Promise<Response> {
  const all = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)) };
  const body = new FormData();
  for (const [k, v] of Object.entries({ ...all, signature: await signParams(all, DEMO.secret), api_key: DEMO.key })) body.set(k, v);
  return SELF.fetch('http://w/v1_1/demo/image/multi', { method: 'POST', body });
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const solid = (w: number, h: number, rgba: [number, number, number, number?]) => encodePng(makeRaster(w, h, () => rgba));
const near = (got: number[], want: number[], tolerance = 12) => want.every((v, i) => Math.abs(got[i] - v) <= tolerance);
const centre = (bytes: Uint8Array) => {
  const r = decode(bytes);
  return pixel(r, r.width >> 1, r.height >> 1);
};

describe('multi to PDF', () => {
  const tag = uid('pdf');
  const folder = uid('pdfimg');
  // Stored out of order; pages follow public id order (a, b, c). c is half transparent: flattened on white.
  const sources = [
    { id: `${folder}/c`, w: 40, h: 30, rgba: [0, 0, 255, 128] as [number, number, number, number], want: [127, 127, 255] },
    { id: `${folder}/a`, w: 80, h: 60, rgba: [255, 0, 0, 255] as [number, number, number, number], want: [255, 0, 0] },
    { id: `${folder}/b`, w: 60, h: 64, rgba: [0, 200, 0, 255] as [number, number, number, number], want: [0, 200, 0] },
  ];
  beforeAll(async () => {
    for (const s of sources) await storeImage(s.id, solid(s.w, s.h, s.rgba), 'demo', { tags: [tag] });
  });

  it('writes one page per tagged image, each the image as a JPEG at 1 px = 1 pt, with a correct xref', T, async () => {
    const res = await multi({ tag, transformation: 'f_pdf' });
    expect(res.status, await res.clone().text()).toBe(200);
    const answer = await res.json<{ url: string; secure_url: string; public_id: string; version: number }>();
    expect(answer.public_id).toBe(tag);
    expect(answer.url).toMatch(new RegExp(`/demo/image/multi/v${answer.version}/${tag}\\.pdf$`));
    expect(answer.secure_url).toMatch(/^https?:\/\/.*\.pdf$/);

    const pdfRes = await SELF.fetch(`http://w/demo/image/multi/v${answer.version}/${tag}.pdf`);
    expect(pdfRes.status).toBe(200);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    const bytes = await bytesOf(pdfRes);
    const pdf = parsePdf(bytes);
    expect(pdf.version).toBe('1.4');
    expect(pdf.endsWithEof).toBe(true);
    expect(pdf.pageObjects).toBe(3);
    expect(pdf.badOffsets).toEqual([]);
    const inOrder = [...sources].sort((x, y) => x.id.localeCompare(y.id));
    expect(pdf.pages.map((p) => [p.width, p.height])).toEqual(inOrder.map((s) => [s.w, s.h]));
    for (const [i, page] of pdf.pages.entries()) {
      expect([page.image.width, page.image.height, page.image.colourSpace]).toEqual([inOrder[i].w, inOrder[i].h, 'DeviceRGB']);
      const img = decode(page.image.jpeg);
      expect([img.width, img.height]).toEqual([inOrder[i].w, inOrder[i].h]);
      expect(near(centre(page.image.jpeg), inOrder[i].want), `page ${i + 1}: ${centre(page.image.jpeg)}`).toBe(true);
    }
    // The writer's own accounting: every page and the file were charged to the PDF's lease.
    expect(pdfStats.pages).toBe(3);
    expect(pdfStats.bytes).toBe(bytes.length);
    expect(pdfStats.pixels).toBe(inOrder.reduce((n, s) => n + s.w * s.h, 0));
    expect(pdfStats.chargedBytes).toBeGreaterThan(bytes.length);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(pdfStats.chargedBytes);
  });

  it('applies the transformation to every page', T, async () => {
    const res = await multi({ tag, transformation: 'c_fill,w_20,h_10/f_pdf' });
    expect(res.status).toBe(200);
    const { version } = await res.json<{ version: number }>();
    const pdf = parsePdf(await bytesOf(await SELF.fetch(`http://w/demo/image/multi/v${version}/${tag}.pdf`)));
    expect(pdf.pages.map((p) => [p.width, p.height])).toEqual([
      [20, 10],
      [20, 10],
      [20, 10],
    ]);
  });

  it('delivers one page of the stored PDF as an image with pg_<n>', T, async () => {
    const res = await multi({ tag, transformation: 'f_pdf' });
    const { version } = await res.json<{ version: number }>();
    const page2 = await SELF.fetch(`http://w/demo/image/multi/pg_2/v${version}/${tag}.png`);
    expect(page2.status, page2.headers.get('x-cld-error') ?? '').toBe(200);
    expect(page2.headers.get('content-type')).toBe('image/png');
    const img = await bytesOf(page2);
    expect([decode(img).width, decode(img).height]).toEqual([60, 64]);
    expect(near(centre(img), [0, 200, 0])).toBe(true);
    // A transformation without pg_ reads the first page; pg_ beyond the last is a 400.
    const scaled = await SELF.fetch(`http://w/demo/image/multi/c_scale,w_40/v${version}/${tag}.jpg`);
    expect(scaled.status).toBe(200);
    expect(decode(await bytesOf(scaled)).width).toBe(40);
    const beyond = await SELF.fetch(`http://w/demo/image/multi/pg_9/v${version}/${tag}.jpg`);
    expect(beyond.status).toBe(400);
    expect(beyond.headers.get('x-cld-error')).toMatch(/page.*9/i);
  });

  it('answers a tag without images with Cloudinary’s 404', T, async () => {
    const res = await multi({ tag: uid('none'), transformation: 'f_pdf' });
    expect(res.status).toBe(404);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/No images found with tag/);
  });

  it('refuses pages whose pixels together pass MAX_OUTPUT_PIXELS with a 400', T, async () => {
    const big = uid('pdfbig');
    const photo = fixture('photo-12mp.jpg');
    for (const n of [1, 2, 3]) await storeImage(`${big}/p${n}`, photo, 'demo', { tags: [big] });
    const res = await multi({ tag: big, transformation: 'f_pdf' });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/PDF too large: 3 pages .*MAX_OUTPUT_PIXELS/);
  });
});

describe('the PDF writer and reader in the engine', () => {
  const limits = { maxDecodePixels: 100_000_000, maxOutputPixels: 100_000_000 };
  async function* of(...files: Uint8Array[]) {
    yield* files;
  }

  it('keeps grey and CMYK JPEGs as they are, with their colour space (Adobe CMYK inverted by /Decode)', T, async () => {
    const grey = fixture('grayscale.jpg');
    const cmyk = fixture('cmyk.jpg');
    const pdf = parsePdf(await pdfOfPages(of(grey, cmyk), limits));
    expect(pdf.badOffsets).toEqual([]);
    expect(pdf.pages.map((p) => p.image.colourSpace)).toEqual(['DeviceGray', 'DeviceCMYK']);
    expect(sameBytes(pdf.pages[0].image.jpeg, grey)).toBe(true);
    expect(sameBytes(pdf.pages[1].image.jpeg, cmyk)).toBe(true);
    const text = new TextDecoder('latin1').decode(await pdfOfPages(of(cmyk), limits));
    expect(text).toMatch(/\/DeviceCMYK \/BitsPerComponent 8 \/Decode \[1 0 1 0 1 0 1 0\]/);
  });

  it('charges every page and the file to its lease, and refuses what passes the memory budget', T, async () => {
    const photo = fixture('photo-1mp.jpg');
    await pdfOfPages(of(photo, photo), limits);
    expect(pdfStats.chargedBytes).toBe(pdfStats.bytes + 2 * (photo.length + 1024));
    expect(engineStats.lastPeakBytes).toBe(pdfStats.chargedBytes);
    const small = { ...limits, engineMemoryBytes: 3 * photo.length };
    await expect(pdfOfPages(of(photo, photo, photo, photo), small)).rejects.toMatchObject({ status: 400 });
  });

  it('refuses to read pages of a PDF it did not write (no JPEG pages), and keeps it deliverable as it is', T, async () => {
    const id = uid('vector');
    const vector = vectorPdf();
    await storeImage(id, vector);
    const original = await SELF.fetch(`http://w/demo/image/upload/${id}.pdf`);
    expect([original.status, original.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    expect(await bytesOf(original)).toEqual(vector);
    const page = await SELF.fetch(`http://w/demo/image/upload/pg_1/${id}.png`);
    expect(page.status).toBe(400);
    expect(page.headers.get('x-cld-error')).toMatch(/only PDFs whose pages are each one JPEG image/);
  });

  it('refuses a page tree that points back at itself instead of walking it', T, async () => {
    const id = uid('cycle');
    await storeImage(id, vectorPdf('2 0 R 2 0 R'));
    const page = await SELF.fetch(`http://w/demo/image/upload/pg_1/${id}.png`);
    expect(page.status).toBe(400);
    expect(page.headers.get('x-cld-error')).toMatch(/Cannot read this PDF/);
  });
});

/** A one-page PDF drawing a rectangle (no image), with a correct xref table; `kids` replaces the page tree's. */
function vectorPdf(kids = '3 0 R'): Uint8Array {
  const draw = '0 0 1 rg 10 10 80 60 re f';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count 1 >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 80] /Contents 4 0 R /Resources << >> >>',
    `<< /Length ${draw.length} >>\nstream\n${draw}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 5\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  out += `trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
