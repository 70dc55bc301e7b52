import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSdk, uid } from '../support/sdk';
import { THIRD, basicAuth } from '../support/clouds';
import { WebhookReceiver } from '../support/webhook-receiver';

const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`;
const third = { cloud_name: THIRD.cloud_name, api_key: THIRD.api_key, api_secret: THIRD.api_secret };

/** Notifications for Admin API changes, sent to the cloud's notification_url (here `third`'s; other tests only add to what it receives). */
describe('notifications for update and publish', async () => {
  const { cloudinary } = await loadSdk();
  const base = inject('workerUrl');
  const receiver = new WebhookReceiver();
  const hook = `/changes/${uid()}`;

  /** The notification of a kind that names this public id (they arrive through the queue, in no set order). */
  async function notified(kind: string, publicId: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hit = receiver
        .received(hook)
        .map((d) => JSON.parse(d.body) as { notification_type: string; resources?: unknown })
        .find((n) => n.notification_type === kind && JSON.stringify(n.resources ?? {}).includes(`"${publicId}"`));
      if (hit) return hit as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no ${kind} notification for ${publicId}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    await receiver.start();
    const res = await fetch(`${base}/v1_1/${THIRD.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(THIRD), 'Content-Type': 'application/json' },
      body: JSON.stringify({ notification_url: receiver.url(hook) }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => receiver.stop());

  it('update sends tags, context, metadata, display name and move notifications for what it changed', async () => {
    const field = uid('nf');
    await cloudinary.api.add_metadata_field({ external_id: field, label: field, type: 'string' }, third);
    const id = uid('note');
    const up = await cloudinary.uploader.upload(png, { public_id: id, asset_folder: 'before', ...third });
    await cloudinary.api.update(id, {
      tags: ['a', 'b'],
      context: { caption: 'hi' },
      metadata: { [field]: 'v1' },
      display_name: 'Shown',
      asset_folder: 'after',
      ...third,
    });
    const tags = await notified('resource_tags_changed', id);
    expect(tags.resources).toEqual({ [id]: { resource_type: 'image', type: 'upload', asset_id: up.asset_id, tags: ['a', 'b'] } });
    expect(tags.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await notified('resource_context_changed', id)).resources).toMatchObject({ [id]: { context: { caption: 'hi' } } });
    expect((await notified('resource_metadata_changed', id)).resources).toMatchObject({ [id]: { metadata: { [field]: ['v1'] } } });
    expect((await notified('resource_display_name_changed', id)).resources).toMatchObject({ [id]: { to_display_name: 'Shown' } });
    expect((await notified('move', id)).resources).toMatchObject({ [id]: { from_asset_folder: 'before', to_asset_folder: 'after' } });

    // Changing nothing of those sends none of them.
    const quiet = uid('note');
    await cloudinary.uploader.upload(png, { public_id: quiet, ...third });
    await cloudinary.api.update(quiet, { moderation_status: 'approved', ...third });
    await notified('publish', await publishOne());
    const kinds = receiver
      .received(hook)
      .map((d) => JSON.parse(d.body) as { notification_type: string; resources?: unknown })
      .filter((n) => JSON.stringify(n.resources ?? {}).includes(`"${quiet}"`))
      .map((n) => n.notification_type);
    expect(kinds.filter((k) => k.startsWith('resource_') || k === 'move')).toEqual([]);
  });

  /** Publishes a new restricted asset; answers its public id. */
  async function publishOne(): Promise<string> {
    const id = uid('pub');
    await cloudinary.uploader.upload(png, { public_id: id, access_mode: 'authenticated', ...third });
    const r = await cloudinary.api.publish_by_ids([id], third);
    expect(r.published.map((p: { public_id: string }) => p.public_id)).toEqual([id]);
    return id;
  }

  it('publish sends one publish notification listing the assets it made public', async () => {
    const id = await publishOne();
    const n = await notified('publish', id);
    expect(n.resources).toEqual([
      expect.objectContaining({
        public_id: id,
        resource_type: 'image',
        type: 'upload',
        access_mode: 'public',
        previous_access_mode: 'authenticated',
      }),
    ]);
  });
});
