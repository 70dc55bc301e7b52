import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';

const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`; // 782x687

describe('upload options that used to be ignored', async () => {
  const { cloudinary } = await loadSdk();

  it('format converts on upload, also admitting a file allowed_formats would refuse as it came', async () => {
    const id = uid('conv');
    const r = await cloudinary.uploader.upload(png, { public_id: id, allowed_formats: ['jpg'], format: 'jpg' });
    expect(r.format).toBe('jpg');
    expect(r.width).toBe(782);
    const delivered = await fetch(cloudinary.url(`${id}.jpg`, { secure: false }));
    expect(delivered.status).toBe(200);
    expect(new Uint8Array(await delivered.arrayBuffer()).slice(0, 3)).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
    // Without format, allowed_formats still refuses the PNG.
    expect((await failure(cloudinary.uploader.upload(png, { public_id: uid('conv'), allowed_formats: ['jpg'] }))).http_code).toBe(400);
    expect((await failure(cloudinary.uploader.upload(png, { public_id: uid('conv'), format: 'pdf' }))).http_code).toBe(400);
  });

  it('access_control windows are stored, answered and enforced at delivery', async () => {
    const closed = uid('acl');
    const past = [{ access_type: 'anonymous', start: '2020-01-01T00:00:00Z', end: '2020-02-01T00:00:00Z' }];
    const r = await cloudinary.uploader.upload(png, { public_id: closed, access_control: past });
    expect(r.access_control).toEqual(past);
    const denied = await fetch(cloudinary.url(`${closed}.png`, { secure: false }));
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-cld-error')).toMatch(/access_control/);
    const signed = await fetch(cloudinary.url(`${closed}.png`, { secure: false, sign_url: true }));
    expect(signed.status).toBe(200);
    expect(signed.headers.get('cache-control')).toBe('private, no-store');

    const open = uid('acl');
    await cloudinary.uploader.upload(png, {
      public_id: open,
      access_control: [{ access_type: 'anonymous', start: '2020-01-01T00:00:00Z' }],
    });
    const ok = await fetch(cloudinary.url(`${open}.png`, { secure: false }));
    expect(ok.status).toBe(200);
    // Public only while the window is open: no cache may keep it beyond.
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    expect((await cloudinary.api.resource(open)).access_control).toEqual([{ access_type: 'anonymous', start: '2020-01-01T00:00:00Z' }]);
    expect(
      (await failure(cloudinary.uploader.upload(png, { public_id: uid('acl'), access_control: [{ access_type: 'nobody' }] }))).http_code,
    ).toBe(400);
  });

  it('responsive_breakpoints stores widths between min_width and max_width, widest first, apart by bytes_step', async () => {
    const id = uid('rb');
    const r = await cloudinary.uploader.upload(png, {
      public_id: id,
      responsive_breakpoints: { create_derived: true, bytes_step: 20000, min_width: 200, max_width: 1000, max_images: 5 },
    });
    expect(r.responsive_breakpoints).toHaveLength(1);
    const points = r.responsive_breakpoints[0].breakpoints as { width: number; height: number; bytes: number; secure_url: string }[];
    expect(points[0].width).toBe(782); // the image's own width caps max_width
    expect(points[points.length - 1].width).toBe(200);
    expect(points.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < points.length; i++) {
      expect(points[i].width).toBeLessThan(points[i - 1].width);
      if (i < points.length - 1) expect(points[i - 1].bytes - points[i].bytes).toBeGreaterThanOrEqual(20000);
    }
    const smallest = await fetch(points[points.length - 1].secure_url);
    expect(smallest.status).toBe(200);
    expect(Number((await cloudinary.api.resource(id)).derived.length)).toBeGreaterThanOrEqual(points.length);
    expect(
      (await failure(cloudinary.uploader.upload(png, { public_id: uid('rb'), responsive_breakpoints: { min_width: 900, max_width: 100 } })))
        .http_code,
    ).toBe(400);
  });

  it('incoming and eager transformations may contain layers, as on delivery', async () => {
    const logo = uid('logo');
    await cloudinary.uploader.upload(png, { public_id: logo });
    const r = await cloudinary.uploader.upload(png, {
      public_id: uid('layers'),
      transformation: [{ overlay: logo, width: 100, crop: 'scale' }],
      eager: [{ overlay: { font_family: 'Arial', font_size: 40, text: 'Hi' }, gravity: 'center' }],
    });
    expect(r.width).toBe(782);
    expect(r.eager).toHaveLength(1);
    expect(r.eager[0].transformation).toMatch(/l_text:Arial_40:Hi/);
    expect(r.eager[0].width).toBe(782);
    expect((await fetch(r.eager[0].secure_url)).status).toBe(200);
    // A layer naming a missing asset fails as on delivery.
    const missing = uid('missing');
    const e = await failure(cloudinary.uploader.upload(png, { public_id: uid('layers'), eager: [{ overlay: missing }] }));
    expect(e.http_code).toBe(404);
    expect(e.message).toMatch(missing);
  });

  it('filename_override sets original_filename', async () => {
    const r = await cloudinary.uploader.upload(png, { public_id: uid('fo'), filename_override: 'my_name.png' });
    expect(r.original_filename).toBe('my_name');
  });

  it('faces echoes face_coordinates clamped to the image', async () => {
    const id = uid('faces');
    const r = await cloudinary.uploader.upload(png, {
      public_id: id,
      face_coordinates: [
        [10, 20, 30, 40],
        [700, 600, 500, 500],
      ],
      faces: true,
    });
    expect(r.faces).toEqual([
      [10, 20, 30, 40],
      [700, 600, 82, 87],
    ]);
    const res = await cloudinary.api.resource(id, { faces: true });
    expect(res.faces).toEqual(r.faces);
  });

  it('add-on options are refused with 400 "Illegal value", in Cloudinary words for unknown values', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ raw_convert: 'illegal' }, /Illegal value illegal for parameter raw_convert: Raw convert is invalid/],
      [{ detection: 'illegal' }, /Detection invalid model 'illegal'/],
      [{ categorization: 'illegal' }, /is invalid/],
      [{ background_removal: 'illegal' }, /Illegal value/],
      [{ ocr: 'illegal' }, /Illegal value/],
      [{ auto_tagging: 5 }, /Illegal value/],
      [{ ocr: 'adv_ocr' }, /not available/],
    ];
    for (const [opts, message] of cases) {
      const e = await failure(cloudinary.uploader.upload(png, { public_id: uid('addon'), ...opts }));
      expect({ opts, code: e.http_code }).toEqual({ opts, code: 400 });
      expect(e.message).toMatch(message);
    }
  });
});
