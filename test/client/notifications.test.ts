import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asImplemented, loadSdk, uid } from '../support/sdk';
import { THIRD, basicAuth } from '../support/clouds';
import { WebhookReceiver } from '../support/webhook-receiver';
import { fixturePath } from '../support/fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notifications through the queue, to a real receiver', async () => {
  const { cloudinary, base } = await loadSdk();
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  /** Checks a delivery's signature with the SDK itself, as a receiving application would. */
  const verified = (d: { body: string; headers: Record<string, unknown> }) =>
    cloudinary.utils.verifyNotificationSignature(d.body, Number(d.headers['x-cld-timestamp']), String(d.headers['x-cld-signature']));

  it('POSTs the upload result, signed so that the SDK accepts it', async () => {
    const path = `/upload/${uid()}`;
    const up = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), {
      public_id: uid('n'),
      notification_url: receiver.url(path),
    });
    const [d] = await receiver.waitFor(path);
    expect(d.headers['content-type']).toBe('application/json');
    expect(Number(d.headers['x-cld-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(verified(d)).toBe(true);
    expect(verified({ ...d, body: d.body.replace(up.public_id, 'tampered') })).toBe(false);
    const body = JSON.parse(d.body);
    expect(body.notification_type).toBe('upload');
    const { notification_type: _kind, ...result } = body;
    expect(result).toEqual(up);
  });

  it('keeps a notification while the receiver is down, and delivers it once it is back', async () => {
    const path = `/down/${uid()}`;
    await receiver.stop();
    const downAt = Date.now();
    const up = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('n'), notification_url: receiver.url(path) });
    await sleep(3_000); // the first attempts fail: nothing listens
    expect(receiver.received(path)).toEqual([]);
    await receiver.start(); // the same port again
    const restartedAt = Date.now();
    const [d] = await receiver.waitFor(path);
    expect(d.at).toBeGreaterThanOrEqual(restartedAt);
    expect(d.at - downAt).toBeGreaterThan(3_000);
    expect(verified(d)).toBe(true);
    expect(JSON.parse(d.body).public_id).toBe(up.public_id);
  });

  it('retries a receiver that answers with errors, with delays between attempts', async () => {
    const path = `/flaky/${uid()}`;
    let calls = 0;
    receiver.respond = (p) => (p === path && ++calls <= 2 ? 503 : 200);
    try {
      await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: uid('n'), notification_url: receiver.url(path) });
      const got = await receiver.waitFor(path, 1, 30_000, true);
      const all = receiver.received(path);
      expect(all.map((d) => d.status)).toEqual([503, 503, 200]);
      expect(got).toHaveLength(1);
      // Backoff in tests is 1 s (JOB_RETRY_BASE_SECONDS): attempts are spaced, not immediate.
      expect(all[1].at - all[0].at).toBeGreaterThanOrEqual(900);
      expect(all[2].at - all[1].at).toBeGreaterThanOrEqual(900);
      // Every attempt is signed afresh, and each signature holds for its own timestamp.
      for (const d of all) expect(verified(d)).toBe(true);
    } finally {
      receiver.respond = () => 200;
    }
  });

  it("uses the cloud's notification_url setting when the upload gives none", async () => {
    const path = `/settings/${uid()}`;
    const auth = { Authorization: basicAuth(THIRD), 'Content-Type': 'application/json' };
    const put = await fetch(`${base}/v1_1/${THIRD.cloud_name}/settings`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ notification_url: receiver.url(path) }),
    });
    expect(put.status).toBe(200);
    try {
      const up = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('n'), ...THIRD });
      const [d] = await receiver.waitFor(path);
      const expected = cloudinary.utils.webhook_signature(d.body, Number(d.headers['x-cld-timestamp']), { api_secret: THIRD.api_secret });
      expect(d.headers['x-cld-signature']).toBe(expected);
      expect(JSON.parse(d.body).public_id).toBe(up.public_id);
    } finally {
      await fetch(`${base}/v1_1/${THIRD.cloud_name}/settings`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ notification_url: null }),
      });
    }
  });

  it('refuses a notification_url that is not an http(s) URL', async () => {
    await expect(cloudinary.uploader.upload(fixturePath('alpha.png'), { notification_url: 'ftp://example.com/x' })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringMatching(/notification_url/),
    });
  });

  it('eager_async: answers at once with pending eager images, makes them in the background and notifies', async () => {
    const path = `/eager/${uid()}`;
    const upPath = `/eager-upload/${uid()}`;
    const publicId = uid('eager');
    const up = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), {
      public_id: publicId,
      eager: [
        { width: 100, height: 50, crop: 'fill' },
        { width: 80, crop: 'scale', format: 'png' },
      ],
      eager_async: true,
      eager_notification_url: receiver.url(path),
      notification_url: receiver.url(upPath),
    });
    expect(up.eager).toHaveLength(2);
    expect(up.eager[0]).toMatchObject({ status: 'processing', batch_id: expect.any(String) });
    expect(up.eager[0].url).toContain(`/c_fill,h_50,w_100/v${up.version}/${publicId}.jpg`);
    expect(up.eager[1].url).toContain(`/c_scale,w_80/v${up.version}/${publicId}.png`);

    const [d] = await receiver.waitFor(path);
    expect(verified(d)).toBe(true);
    const note = JSON.parse(d.body);
    expect(note).toMatchObject({ notification_type: 'eager', public_id: publicId, batch_id: up.eager[0].batch_id });
    expect(note.eager.map((e: { width: number; height: number; format: string }) => [e.width, e.height, e.format])).toEqual([
      [100, 50, 'jpg'],
      [80, 60, 'png'],
    ]);
    const img = await fetch(note.eager[0].url);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    await img.arrayBuffer();
    // The upload's own notification went to notification_url.
    const [u] = await receiver.waitFor(upPath);
    expect(JSON.parse(u.body).eager[0].status).toBe('processing');
  });
});

describe('semantic data and coordinates on upload', async () => {
  const { cloudinary } = await loadSdk();

  it('answers colors, predominant, phash, image_metadata and exif when asked', async () => {
    const up = await cloudinary.uploader.upload(fixturePath('photo-3mp-exif.jpg'), {
      public_id: uid('sem'),
      colors: true,
      phash: true,
      image_metadata: true,
      exif: true,
      faces: true,
      custom_coordinates: '10,20,30,40',
    });
    expect(up.colors).toHaveLength(32);
    expect(up.colors?.[0]).toEqual([expect.stringMatching(/^#[0-9A-F]{6}$/), expect.any(Number)]);
    expect(up.predominant.google.length).toBeGreaterThan(0);
    expect(up.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(up.image_metadata.Make).toMatch(/SONY/i);
    expect(up.exif).toEqual(up.image_metadata);
    expect(up.faces).toEqual([]);
    expect(up.coordinates).toEqual({ custom: [[10, 20, 30, 40]] });
  });

  it('answers none of it unless asked', async () => {
    const up = await cloudinary.uploader.upload(fixturePath('photo-3mp-exif.jpg'), { public_id: uid('sem') });
    for (const k of ['colors', 'predominant', 'phash', 'image_metadata', 'exif', 'faces', 'coordinates']) expect(up).not.toHaveProperty(k);
  });

  it('explicit computes semantic data of a stored asset', async () => {
    const publicId = uid('sem');
    await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId });
    const ex = await cloudinary.uploader.explicit(publicId, { type: 'upload', phash: true, colors: true });
    expect(ex.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(ex.colors).toHaveLength(32);
  });

  it('moderation=manual is pending in the answer', async () => {
    const up = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('mod'), moderation: 'manual' });
    expect(up.moderation).toEqual([{ kind: 'manual', status: 'pending' }]);
  });
});

describe('moderation, backups and semantic data through the Admin API', async () => {
  const { cloudinary, base } = await loadSdk();
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('a decision notifies in order after the upload; a rejected asset is not delivered until approved', async () => {
    const path = `/mod/${uid()}`;
    const publicId = uid('mod');
    await cloudinary.uploader.upload(fixturePath('alpha.png'), {
      public_id: publicId,
      moderation: 'manual',
      notification_url: receiver.url(path),
    });
    await receiver.waitFor(path, 1);
    const deliveryUrl = `${base}/demo/image/upload/${publicId}.png`;
    expect((await fetch(deliveryUrl)).status).toBe(200);

    const rejected = await cloudinary.api.update(publicId, { moderation_status: 'rejected' });
    expect(rejected.moderation[0]).toMatchObject({ kind: 'manual', status: 'rejected' });
    const denied = await fetch(deliveryUrl);
    expect(denied.status).toBe(404);
    expect(denied.headers.get('x-cld-error')).toMatch(/rejected/);
    await receiver.waitFor(path, 2);

    await cloudinary.api.update(publicId, { moderation_status: 'approved' });
    const got = await receiver.waitFor(path, 3);
    const bodies = got.map((d) => JSON.parse(d.body));
    expect(bodies.map((b) => [b.notification_type, b.moderation_status])).toEqual([
      ['upload', undefined],
      ['moderation', 'rejected'],
      ['moderation', 'approved'],
    ]);
    expect(bodies[1]).toMatchObject({ public_id: publicId, moderation_kind: 'manual', previous_moderation_status: 'pending' });
    expect(bodies[2].url).toContain(`/demo/image/upload/v`);
    for (const d of got)
      expect(
        cloudinary.utils.verifyNotificationSignature(d.body, Number(d.headers['x-cld-timestamp']), String(d.headers['x-cld-signature'])),
      ).toBe(true);
    expect((await fetch(deliveryUrl)).status).toBe(200);
  });

  it('with backup, an overwritten original is restored as a new version (SDK restore)', async () => {
    const publicId = uid('bak');
    const v1 = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId, backup: true });
    const v2 = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: publicId, backup: true, overwrite: true });
    expect(v2.etag).not.toBe(v1.etag);
    const restored = await asImplemented(cloudinary).api.restore([publicId]);
    expect(restored[publicId].version).toBeGreaterThan(v2.version);
    const res = await fetch(`${base}/demo/image/upload/v${restored[publicId].version}/${publicId}.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${v1.etag}"`);
    await res.arrayBuffer();
  });

  it('resource details answer semantic data on request, the same as at upload', async () => {
    const publicId = uid('sem');
    const up = await cloudinary.uploader.upload(fixturePath('photo-3mp-exif.jpg'), { public_id: publicId, phash: true });
    const details = await cloudinary.api.resource(publicId, { phash: true, colors: true, image_metadata: true });
    expect(details.phash).toBe(up.phash);
    expect(details.colors).toHaveLength(32);
    expect(details.image_metadata.Model).toMatch(/NEX-3N/);
    const plain = await cloudinary.api.resource(publicId);
    for (const k of ['phash', 'colors', 'image_metadata', 'info']) expect(plain).not.toHaveProperty(k);
  });
});
