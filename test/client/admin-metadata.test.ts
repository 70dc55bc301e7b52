import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asImplemented, loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { DYNAMIC, basicAuth } from '../support/clouds';
import { WebhookReceiver } from '../support/webhook-receiver';

const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`;
/** Metadata fields are per cloud, so this file's fields live in the cloud only its own tests use. */
const cloud = { cloud_name: DYNAMIC.cloud_name, api_key: DYNAMIC.api_key, api_secret: DYNAMIC.api_secret };

describe('Structured metadata and context through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const base = inject('workerUrl');
  const receiver = new WebhookReceiver();
  const hookPath = `/md/${uid()}`;
  const run = uid('md');
  const f = (name: string) => `${run}_${name}`;

  beforeAll(async () => {
    await receiver.start();
    const res = await fetch(`${base}/v1_1/${DYNAMIC.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(DYNAMIC), 'Content-Type': 'application/json' },
      body: JSON.stringify({ notification_url: receiver.url(hookPath) }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => receiver.stop());

  /** The first notification of a kind (they arrive through the queue, in no set order). */
  async function notified(kind: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hit = receiver.received(hookPath).find((d) => JSON.parse(d.body).notification_type === kind);
      if (hit) return JSON.parse(hit.body) as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no ${kind} notification`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('defines fields of every type, with validation, defaults, datasources and order', async () => {
    const str = await cloudinary.api.add_metadata_field(
      { external_id: f('title'), label: 'Title', type: 'string', validation: { type: 'strlen', max: 10 } },
      cloud,
    );
    expect(str).toMatchObject({ external_id: f('title'), label: 'Title', type: 'string', mandatory: false });
    await cloudinary.api.add_metadata_field(
      { external_id: f('stock'), label: 'Stock', type: 'integer', default_value: 5, validation: { type: 'greater_than', value: 0 } },
      cloud,
    );
    await cloudinary.api.add_metadata_field({ external_id: f('released'), label: 'Released', type: 'date' }, cloud);
    const colors = await cloudinary.api.add_metadata_field(
      {
        external_id: f('color'),
        label: 'Color',
        type: 'enum',
        datasource: {
          values: [
            { external_id: 'red', value: 'Red' },
            { external_id: 'green', value: 'Green' },
          ],
        },
      },
      cloud,
    );
    expect(colors.datasource.values).toEqual([
      { external_id: 'red', value: 'Red', state: 'active' },
      { external_id: 'green', value: 'Green', state: 'active' },
    ]);
    await cloudinary.api.add_metadata_field(
      {
        external_id: f('sizes'),
        label: 'Sizes',
        type: 'set',
        datasource: {
          values: [
            { external_id: 's', value: 'Small' },
            { external_id: 'l', value: 'Large' },
          ],
        },
      },
      cloud,
    );

    expect(
      (await failure(cloudinary.api.add_metadata_field({ external_id: f('title'), label: 'Again', type: 'string' }, cloud))).http_code,
    ).toBe(409);
    expect((await failure(cloudinary.api.add_metadata_field({ label: 'Bad', type: 'float' }, cloud))).http_code).toBe(400);
    expect((await failure(cloudinary.api.add_metadata_field({ label: 'No source', type: 'enum' }, cloud))).http_code).toBe(400);

    const got = await cloudinary.api.metadata_field_by_field_id(f('stock'), cloud);
    expect(got).toMatchObject({ type: 'integer', default_value: 5 });
    const updated = await cloudinary.api.update_metadata_field(f('title'), { label: 'Headline' }, cloud);
    expect(updated).toMatchObject({ label: 'Headline', type: 'string', validation: { type: 'strlen', max: 10 } });

    const ds = await cloudinary.api.update_metadata_field_datasource(
      f('color'),
      { values: [{ external_id: 'blue', value: 'Blue' }] },
      cloud,
    );
    expect(ds.values.map((e) => e.external_id)).toEqual(['red', 'green', 'blue']);
    const ordered = await asImplemented(cloudinary).api.order_metadata_field_datasource(f('color'), 'value', 'asc', cloud);
    expect(ordered.values.map((e: { value: string }) => e.value)).toEqual(['Blue', 'Green', 'Red']);
    const removed = await asImplemented(cloudinary).api.delete_datasource_entries(f('color'), ['green'], cloud);
    expect(removed.values.find((e) => e.external_id === 'green')?.state).toBe('inactive');

    // The SDK's v2 list_metadata_fields cannot take a cloud's options (its adapter shifts them), so this one call is plain HTTP.
    const listed = (await (
      await fetch(`${base}/v1_1/${DYNAMIC.cloud_name}/metadata_fields`, { headers: { Authorization: basicAuth(DYNAMIC) } })
    ).json()) as { metadata_fields: { external_id: string }[] };
    const mine = listed.metadata_fields.map((x: { external_id: string }) => x.external_id).filter((id: string) => id.startsWith(run));
    expect(mine).toEqual([f('title'), f('stock'), f('released'), f('color'), f('sizes')]);
    const byLabel = await asImplemented(cloudinary).api.reorder_metadata_fields('label', 'asc', cloud);
    const labels = byLabel.metadata_fields
      .filter((x: { external_id: string }) => x.external_id.startsWith(run))
      .map((x: { label: string }) => x.label);
    expect(labels).toEqual(['Color', 'Headline', 'Released', 'Sizes', 'Stock']);
  });

  it('checks and stores values on upload, update_metadata, update and explicit; answers them and searches them', async () => {
    const id = uid('mdasset');
    const up = await cloudinary.uploader.upload(png, {
      public_id: id,
      metadata: { [f('title')]: 'Hello', [f('color')]: 'red', [f('sizes')]: ['s', 'l'], [f('released')]: '2024-05-01' },
      ...cloud,
    });
    expect(up.metadata).toEqual({
      [f('title')]: 'Hello',
      [f('color')]: 'red',
      [f('sizes')]: ['l', 's'],
      [f('released')]: '2024-05-01',
      [f('stock')]: 5, // the default
    });
    const tooLong = await failure(
      cloudinary.uploader.upload(png, { public_id: uid('mdbad'), metadata: { [f('title')]: 'far too long a title' }, ...cloud }),
    );
    expect(tooLong.http_code).toBe(400);
    expect(tooLong.message).toMatch(f('title'));
    expect((await failure(cloudinary.uploader.upload(png, { metadata: { [f('color')]: 'green' }, ...cloud }))).http_code).toBe(400); // inactive
    expect((await failure(cloudinary.uploader.upload(png, { metadata: { [f('stock')]: 0 }, ...cloud }))).http_code).toBe(400);
    expect((await failure(cloudinary.uploader.upload(png, { metadata: { nosuchfield: 'x' }, ...cloud }))).http_code).toBe(400);

    const changed = await cloudinary.uploader.update_metadata({ [f('stock')]: 42, [f('color')]: 'blue' }, [id, 'no_such_id'], cloud);
    expect(changed.public_ids).toEqual([id]);
    const res = await cloudinary.api.resource(id, cloud);
    expect(res.metadata).toMatchObject({ [f('stock')]: 42, [f('color')]: 'blue' });

    await cloudinary.api.update(id, { metadata: { [f('title')]: 'Updated' }, ...cloud });
    const ex = await cloudinary.uploader.explicit(id, { type: 'upload', metadata: { [f('released')]: '2025-01-02' }, ...cloud });
    expect(ex.metadata).toMatchObject({ [f('title')]: 'Updated', [f('released')]: '2025-01-02' });

    const listed = await cloudinary.api.resources({ type: 'upload', prefix: id, metadata: true, ...cloud });
    expect(listed.resources[0].metadata).toMatchObject({ [f('stock')]: 42, [f('sizes')]: ['l', 's'] });
    expect((await cloudinary.api.resources({ type: 'upload', prefix: id, ...cloud })).resources[0].metadata).toBeUndefined();

    const search = (expr: string) => asImplemented(cloudinary).search.expression(expr).with_field('metadata').execute(cloud);
    const byStock = await search(`metadata.${f('stock')}>40 AND metadata.${f('color')}=blue`);
    expect(byStock.resources.map((r: { public_id: string }) => r.public_id)).toEqual([id]);
    expect(byStock.resources[0].metadata?.[f('sizes')]).toEqual(['l', 's']);
    expect((await search(`metadata.${f('stock')}<40`)).total_count).toBe(0);
    expect((await search(`metadata.${f('sizes')}:s`)).total_count).toBe(1);

    // Deleting a field removes its values.
    await cloudinary.api.delete_metadata_field(f('released'), cloud);
    expect((await cloudinary.api.resource(id, cloud)).metadata[f('released')]).toBeUndefined();
    expect((await failure(cloudinary.api.metadata_field_by_field_id(f('released'), cloud))).http_code).toBe(404);

    const note = await notified('resource_metadata_changed');
    expect(Object.keys(note.resources as object)).toContain(id);
  });

  it('add_context and remove_all_context change context of existing ids only, and notify', async () => {
    const a = uid('ctx');
    const b = uid('ctx');
    await cloudinary.uploader.upload(png, { public_id: a, context: { keep: 'yes' }, ...cloud });
    await cloudinary.uploader.upload(png, { public_id: b, ...cloud });
    const added = await asImplemented(cloudinary).uploader.add_context({ alt: 'x=y|z', caption: 'hi' }, [a, b, 'missing_id'], cloud);
    expect(added.public_ids).toEqual([a, b]);
    expect((await cloudinary.api.resource(a, cloud)).context.custom).toEqual({ keep: 'yes', alt: 'x=y|z', caption: 'hi' });
    const found = await asImplemented(cloudinary)
      .search.expression(`context.caption=hi AND public_id:${a}`)
      .with_field('context')
      .execute(cloud);
    expect(found.resources.map((r: { public_id: string }) => r.public_id)).toEqual([a]);

    const cleared = await asImplemented(cloudinary).uploader.remove_all_context([a], cloud);
    expect(cleared.public_ids).toEqual([a]);
    expect((await cloudinary.api.resource(a, cloud)).context).toBeUndefined();
    expect((await cloudinary.api.resource(b, cloud)).context.custom).toEqual({ alt: 'x=y|z', caption: 'hi' });

    const note = await notified('resource_context_changed');
    expect(note.resources).toHaveProperty(a);
  });
});
