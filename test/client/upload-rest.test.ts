import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { DYNAMIC, OTHER, basicAuth } from '../support/clouds';
import { WebhookReceiver } from '../support/webhook-receiver';

const jpg = `data:image/jpeg;base64,${readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url)).toString('base64')}`;
const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`; // 782x687
const dynamicCloud = { cloud_name: DYNAMIC.cloud_name, api_key: DYNAMIC.api_key, api_secret: DYNAMIC.api_secret };
const otherCloud = { cloud_name: OTHER.cloud_name, api_key: OTHER.api_key, api_secret: OTHER.api_secret };

interface Related {
  public_id: string;
  asset_id: string;
  resource_type: string;
  type: string;
  secure_url: string;
}

describe('upload options quality_analysis, eval, unique_display_name; related assets', async () => {
  const { cloudinary } = await loadSdk();
  const base = inject('workerUrl');
  const receiver = new WebhookReceiver();

  /** The first notification at `path` that `match` accepts (they arrive through the queue). */
  async function notified(path: string, match: (n: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hit = receiver
        .received(path)
        .map((d) => JSON.parse(d.body) as Record<string, unknown>)
        .find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no notification at ${path}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  afterAll(() => receiver.stop());

  beforeAll(async () => {
    await receiver.start();
    const res = await fetch(`${base}/v1_1/${DYNAMIC.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(DYNAMIC), 'Content-Type': 'application/json' },
      body: JSON.stringify({ folder_mode: 'dynamic' }),
    });
    expect(res.status).toBe(200);
  });

  it('async answers pending at once; the queue stores the upload and notifies notification_url with the full answer', async () => {
    const hook = `/async/${uid()}`;
    const id = uid('async');
    const pending = await cloudinary.uploader.upload(png, {
      public_id: id,
      async: true,
      tags: ['queued'],
      notification_url: receiver.url(hook),
    });
    expect(pending).toMatchObject({ status: 'pending', public_id: id, type: 'upload' });
    expect(pending.batch_id).toMatch(/^[0-9a-z]{32}$/);
    expect(pending.secure_url).toBeUndefined();
    const done = await notified(hook, (n) => n.notification_type === 'upload' && n.public_id === id);
    expect(done).toMatchObject({ public_id: id, width: 782, height: 687, format: 'png', tags: ['queued'], resource_type: 'image' });
    const stored = await cloudinary.api.resource(id);
    expect(stored).toMatchObject({ public_id: id, width: 782, bytes: done.bytes, tags: ['queued'] });

    // A file the upload refuses fails in the queue: the notification says so, nothing is stored.
    const badHook = `/async/${uid()}`;
    const badId = uid('async');
    const notImage = `data:image/png;base64,${Buffer.from('this is not an image at all').toString('base64')}`;
    const queued = await cloudinary.uploader.upload(notImage, {
      public_id: badId,
      async: true,
      resource_type: 'image',
      notification_url: receiver.url(badHook),
    });
    expect(queued.status).toBe('pending');
    const failed = await notified(badHook, (n) => n.public_id === badId);
    expect(failed).toMatchObject({ notification_type: 'upload', status: 'failed', batch_id: queued.batch_id });
    expect((failed.error as { message: string }).message).toMatch(/Invalid image file|not an image|Unsupported/i);
    expect((await failure(cloudinary.api.resource(badId))).http_code).toBe(404);
    // Options are still checked before anything is queued.
    expect((await failure(cloudinary.uploader.upload(png, { async: true, type: 'nonsense' }))).http_code).toBe(400);
  });

  it('quality_analysis answers a measured focus score: the photo sharp, the same photo blurred on upload much lower', async () => {
    const sharp = await cloudinary.uploader.upload(jpg, { public_id: uid('qa'), quality_analysis: true });
    const soft = await cloudinary.uploader.upload(jpg, {
      public_id: uid('qa'),
      quality_analysis: true,
      transformation: [{ effect: 'blur:800' }],
    });
    const focus = (r: Record<string, unknown>) => (r.quality_analysis as { focus: number } | undefined)?.focus ?? -1;
    console.log(`quality_analysis focus: sharp ${focus(sharp)}, e_blur:800 ${focus(soft)}`);
    expect(focus(sharp)).toBeGreaterThan(0.5);
    expect(focus(sharp)).toBeLessThanOrEqual(1);
    expect(focus(soft)).toBeGreaterThanOrEqual(0);
    expect(focus(soft)).toBeLessThan(focus(sharp) / 2);
    // Stored with the asset: resource() (to which the SDK sends no quality_analysis option) answers the same score.
    expect((await cloudinary.api.resource(sharp.public_id)).quality_analysis).toEqual(sharp.quality_analysis);
    // Not asked at upload, not computed: neither answered.
    const plain = await cloudinary.uploader.upload(jpg, { public_id: uid('qa') });
    expect(plain.quality_analysis).toBeUndefined();
    expect((await cloudinary.api.resource(plain.public_id)).quality_analysis).toBeUndefined();
  });

  it('eval sets tags, context, metadata and display_name from resource_info; unsupported code is a 400', async () => {
    const script = [
      "if (resource_info.width > 500 && resource_info.format == 'png') { upload_options['tags'] = ['wide', 'png'] } else { upload_options.tags = 'narrow' }",
      "upload_options.context = 'w=' + resource_info.width + '|focus=' + (resource_info.quality_analysis.focus > 0.5 ? 'ok' : 'soft');",
    ];
    // The ternary is not in the subset: the whole call fails before anything is stored.
    const bad = await failure(cloudinary.uploader.upload(png, { public_id: uid('ev'), eval: script.join('\n'), quality_analysis: true }));
    expect(bad.http_code).toBe(400);
    expect(bad.message).toMatch(/Invalid eval: .* at position \d+/);

    const ok = [
      script[0],
      "upload_options.context = 'w=' + resource_info.width + '|h=' + resource_info.height; upload_options.display_name = 'px' + (resource_info.width * 2) / 2",
    ];
    const id = uid('ev');
    const r = await cloudinary.uploader.upload(png, { public_id: id, eval: ok.join('\n'), tags: ['given'] });
    expect(r.tags).toEqual(['wide', 'png']);
    expect(r.context).toEqual({ custom: { w: '782', h: '687' } });
    expect(r.display_name).toBe('px782');
    const stored = await cloudinary.api.resource(id);
    expect(stored.tags.sort()).toEqual(['png', 'wide']);

    const q = await cloudinary.uploader.upload(jpg, {
      public_id: uid('ev'),
      quality_analysis: true,
      eval: "if (resource_info.quality_analysis.focus > 0.5) { upload_options.tags = ['sharp'] } else { upload_options.tags = ['blurry'] }",
    });
    expect(q.tags).toEqual(['sharp']);

    const field = uid('evf');
    await cloudinary.api.add_metadata_field({ external_id: field, label: field, type: 'string' });
    const m = await cloudinary.uploader.upload(png, {
      public_id: uid('ev'),
      eval: `upload_options.metadata = '${field}=' + resource_info.format + resource_info.width`,
    });
    expect(m.metadata).toEqual({ [field]: 'png782' });
    // What eval sets is checked as if it had been sent: a value for no field is a 400.
    const unknown = await failure(
      cloudinary.uploader.upload(png, { public_id: uid('ev'), eval: `upload_options.metadata = 'nofield_${field}=1'` }),
    );
    expect(unknown.http_code).toBe(400);

    for (const hostile of [
      'upload_options.public_id = "x"',
      'fetch("http://x")',
      'upload_options.tags = this.constructor',
      'while (true) {}',
      'if (',
    ]) {
      const f = await failure(cloudinary.uploader.upload(png, { public_id: uid('ev'), eval: hostile }));
      expect(f.http_code, hostile).toBe(400);
      expect(f.message, hostile).toMatch(/^Invalid eval/);
    }
  });

  it('unique_display_name suffixes a display name another asset of the folder has (dynamic folder mode)', async () => {
    const folder = uid('udn');
    const first = await cloudinary.uploader.upload(png, {
      asset_folder: folder,
      display_name: 'logo',
      unique_display_name: true,
      ...dynamicCloud,
    });
    expect(first.display_name).toBe('logo');
    const second = await cloudinary.uploader.upload(png, {
      asset_folder: folder,
      display_name: 'logo',
      unique_display_name: true,
      ...dynamicCloud,
    });
    expect(second.display_name).toMatch(/^logo_[a-z0-9]{6}$/);
    // Overwriting the same asset keeps its own name.
    const again = await cloudinary.uploader.upload(png, {
      public_id: first.public_id,
      asset_folder: folder,
      display_name: 'logo',
      unique_display_name: true,
      overwrite: true,
      ...dynamicCloud,
    });
    expect(again.display_name).toBe('logo');
    // Without the option, names may repeat; in another folder the name is free.
    const third = await cloudinary.uploader.upload(png, { asset_folder: folder, display_name: 'logo', ...dynamicCloud });
    expect(third.display_name).toBe('logo');
    const elsewhere = await cloudinary.uploader.upload(png, {
      asset_folder: `${folder}/sub`,
      display_name: 'logo',
      unique_display_name: true,
      ...dynamicCloud,
    });
    expect(elsewhere.display_name).toBe('logo');
    // use_filename_as_display_name with unique_display_name.
    const byName = await cloudinary.uploader.upload(png, {
      asset_folder: folder,
      filename_override: 'logo.png',
      use_filename_as_display_name: true,
      unique_display_name: true,
      ...dynamicCloud,
    });
    expect(byName.display_name).toMatch(/^logo_[a-z0-9]{6}$/);
  });

  it('add_related_assets relates both ways, by public id or asset id; resource(related) lists them with a cursor; delete unrelates', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => cloudinary.uploader.upload(png, { public_id: uid('rel') })));
    const missing = uid('nope');
    const added = await cloudinary.api.add_related_assets(a.public_id, [
      `image/upload/${b.public_id}`,
      c.asset_id,
      `image/upload/${missing}`,
    ]);
    expect(added.success).toEqual([
      { message: 'success', code: 'success_ids', asset: `image/upload/${b.public_id}`, status: 200 },
      { message: 'success', code: 'success_ids', asset: c.asset_id, status: 200 },
    ]);
    expect(added.failed).toEqual([
      { message: 'resource does not exist', code: 'not_found_ids', asset: `image/upload/${missing}`, status: 404 },
    ]);
    const again = await cloudinary.api.add_related_assets_by_asset_id(a.asset_id, [`image/upload/${b.public_id}`, d.asset_id]);
    expect(again.success.map((s: { code: string }) => s.code)).toEqual(['already_exists_ids', 'success_ids']);

    const full = await cloudinary.api.resource(a.public_id, { related: true });
    const ids = (full.related_assets as Related[]).map((r) => r.public_id).sort();
    expect(ids).toEqual([b.public_id, c.public_id, d.public_id].sort());
    const one = (full.related_assets as Related[]).find((r) => r.public_id === b.public_id)!;
    expect(one).toMatchObject({ asset_id: b.asset_id, resource_type: 'image', type: 'upload' });
    expect(one.secure_url).toContain(b.public_id);
    // Bidirectional: b lists a; b and c are not related to each other.
    const fromB = await cloudinary.api.resource(b.public_id, { related: true });
    expect((fromB.related_assets as Related[]).map((r) => r.public_id)).toEqual([a.public_id]);
    // Without related=true there is no related_assets field.
    expect((await cloudinary.api.resource(a.public_id)).related_assets).toBeUndefined();
    // Paging: max_results 2 gives two and a cursor to the third.
    const page1 = await cloudinary.api.resource(a.public_id, { related: true, max_results: 2 });
    expect(page1.related_assets).toHaveLength(2);
    expect(page1.related_assets_next_cursor).toBeTruthy();
    const page2 = await cloudinary.api.resource(a.public_id, {
      related: true,
      max_results: 2,
      related_next_cursor: page1.related_assets_next_cursor,
    });
    expect(page2.related_assets).toHaveLength(1);
    expect(page2.related_assets_next_cursor).toBeUndefined();
    expect([...page1.related_assets, ...page2.related_assets].map((r: Related) => r.public_id).sort()).toEqual(ids);

    const removed = await cloudinary.api.delete_related_assets(a.public_id, [`image/upload/${b.public_id}`]);
    expect(removed.success).toEqual([{ message: 'success', code: 'success_ids', asset: `image/upload/${b.public_id}`, status: 200 }]);
    const removed2 = await cloudinary.api.delete_related_assets_by_asset_id(c.asset_id, [a.asset_id, b.asset_id]);
    expect(removed2.success.map((s: { asset: string }) => s.asset)).toEqual([a.asset_id]);
    expect(removed2.failed).toEqual([{ message: 'relation does not exist', code: 'not_found_ids', asset: b.asset_id, status: 404 }]);
    expect(((await cloudinary.api.resource(b.public_id, { related: true })).related_assets as Related[]).length).toBe(0);
    expect(((await cloudinary.api.resource(a.public_id, { related: true })).related_assets as Related[]).map((r) => r.public_id)).toEqual([
      d.public_id,
    ]);

    // Deleting an asset drops its relations.
    await cloudinary.uploader.destroy(d.public_id);
    expect(((await cloudinary.api.resource(a.public_id, { related: true })).related_assets as Related[]).length).toBe(0);

    // Limits and isolation: more than 10, an unknown subject, another cloud's assets.
    const many = Array.from({ length: 11 }, (_, i) => `image/upload/x${i}`);
    expect((await failure(cloudinary.api.add_related_assets(a.public_id, many))).http_code).toBe(400);
    expect((await failure(cloudinary.api.add_related_assets(missing, [`image/upload/${b.public_id}`]))).http_code).toBe(404);
    const foreign = await cloudinary.uploader.upload(png, { public_id: uid('rel'), ...otherCloud });
    const cross = await cloudinary.api.add_related_assets(a.public_id, [foreign.asset_id, `image/upload/${foreign.public_id}`]);
    expect(cross.success).toEqual([]);
    expect(cross.failed.map((f: { status: number }) => f.status)).toEqual([404, 404]);
    expect((await failure(cloudinary.api.add_related_assets_by_asset_id(a.asset_id, [b.asset_id], otherCloud))).http_code).toBe(404);
  });
});
