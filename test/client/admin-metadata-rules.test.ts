import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';

const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`;

/** A rule as the worker answers it. */
interface Rule {
  external_id: string;
  metadata_field_id: string;
  name: string | null;
  condition: unknown;
  result: unknown[];
  state: string;
  condition_signature: string;
}

/**
 * Metadata rules through the SDK (in `demo`: every rule's condition reads
 * fields this file creates, so other tests' assets never meet one).
 */
describe('Structured metadata rules', async () => {
  const { cloudinary } = await loadSdk();
  const run = uid('mdr');
  const f = (name: string) => `${run}_${name}`;

  beforeAll(async () => {
    await cloudinary.api.add_metadata_field({
      external_id: f('category'),
      label: 'Category',
      type: 'enum',
      datasource: {
        values: [
          { external_id: 'shoes', value: 'Shoes' },
          { external_id: 'hats', value: 'Hats' },
        ],
      },
    });
    await cloudinary.api.add_metadata_field({
      external_id: f('size'),
      label: 'Size',
      type: 'set',
      datasource: {
        values: ['s38', 's40', 's42', 'small', 'large'].map((id) => ({ external_id: id, value: id })),
      },
    });
    await cloudinary.api.add_metadata_field({ external_id: f('sku'), label: 'SKU', type: 'string' });
    await cloudinary.api.add_metadata_field({ external_id: f('note'), label: 'Note', type: 'string' });
  });

  it('adds, lists, updates and deletes rules, checking them against the fields', async () => {
    const added = (await cloudinary.api.add_metadata_rule({
      metadata_field_id: f('size'),
      name: 'shoe sizes',
      condition: { metadata_field_id: f('category'), equals: 'shoes' },
      result: { activate_values: { external_ids: ['s38', 's40', 's42'] } },
    })) as unknown as Rule;
    expect(added).toMatchObject({
      metadata_field_id: f('size'),
      name: 'shoe sizes',
      condition: { metadata_field_id: f('category'), equals: 'shoes' },
      result: [{ activate_values: { external_ids: ['s38', 's40', 's42'], mode: 'override' } }],
      state: 'active',
    });
    expect(added.external_id).toMatch(/^mdr_/);
    expect(typeof added.condition_signature).toBe('string');

    const listed = (await cloudinary.api.list_metadata_rules()) as unknown as Rule[];
    expect(Array.isArray(listed)).toBe(true);
    // The SDK adds rate_limit_* to an object answer (not to an array's items).
    const own = Object.fromEntries(Object.entries(added).filter(([k]) => !k.startsWith('rate_limit')));
    expect(listed.find((r) => r.external_id === added.external_id)).toEqual(own);

    const updated = (await cloudinary.api.update_metadata_rule(added.external_id, {
      name: 'shoe sizes only',
      state: 'inactive',
    } as never)) as unknown as Rule;
    expect(updated).toMatchObject({
      external_id: added.external_id,
      name: 'shoe sizes only',
      state: 'inactive',
      metadata_field_id: f('size'),
    });
    expect(
      ((await cloudinary.api.list_metadata_rules()) as unknown as Rule[]).find((r) => r.external_id === added.external_id)?.state,
    ).toBe('inactive');
    expect(await cloudinary.api.delete_metadata_rule(added.external_id)).toMatchObject({ success: true });
    expect(((await cloudinary.api.list_metadata_rules()) as unknown as Rule[]).some((r) => r.external_id === added.external_id)).toBe(
      false,
    );
    expect((await failure(cloudinary.api.delete_metadata_rule(added.external_id))).http_code).toBe(404);

    // Checked: unknown fields, values outside the datasource, rules on their own field, activate_values on a string field.
    const bad: Record<string, unknown>[] = [
      { metadata_field_id: 'no_such_field', condition: { metadata_field_id: f('category'), populated: true }, result: { enable: true } },
      { metadata_field_id: f('size'), condition: { metadata_field_id: 'no_such_field', populated: true }, result: { enable: true } },
      { metadata_field_id: f('size'), condition: { metadata_field_id: f('size'), populated: true }, result: { enable: true } },
      {
        metadata_field_id: f('size'),
        condition: { metadata_field_id: f('category'), populated: true },
        result: { activate_values: { external_ids: ['xx'] } },
      },
      { metadata_field_id: f('sku'), condition: { metadata_field_id: f('category'), populated: true }, result: { activate_values: 'all' } },
      { metadata_field_id: f('sku'), condition: { metadata_field_id: f('category'), populated: true }, result: {} },
      { metadata_field_id: f('sku'), condition: { and: [] }, result: { enable: false } },
    ];
    for (const rule of bad)
      expect((await failure(cloudinary.api.add_metadata_rule(rule as never))).http_code, JSON.stringify(rule)).toBe(400);
  });

  it('rules narrow enum/set values, apply values, make fields mandatory or disabled, on upload and on update_metadata', async () => {
    const rules = [
      {
        metadata_field_id: f('size'),
        condition: { metadata_field_id: f('category'), equals: 'shoes' },
        result: { activate_values: { external_ids: ['s38', 's40', 's42'], mode: 'override' } },
      },
      {
        metadata_field_id: f('size'),
        condition: { metadata_field_id: f('category'), equals: 'hats' },
        result: [{ activate_values: { external_ids: ['small', 'large'] } }, { apply_value: { value: ['small'], mode: 'default' } }],
      },
      { metadata_field_id: f('sku'), condition: { metadata_field_id: f('category'), populated: true }, result: { set_mandatory: true } },
      {
        metadata_field_id: f('note'),
        condition: {
          and: [
            { metadata_field_id: f('category'), equals: 'hats' },
            { metadata_field_id: f('size'), includes: ['large'] },
          ],
        },
        result: { enable: false },
      },
    ];
    const ids: string[] = [];
    for (const r of rules) ids.push(((await cloudinary.api.add_metadata_rule(r as never)) as unknown as Rule).external_id);

    // Shoes take shoe sizes only.
    const shoe = await cloudinary.uploader.upload(png, {
      public_id: uid('mdr'),
      metadata: { [f('category')]: 'shoes', [f('size')]: ['s40'], [f('sku')]: 'A1' },
    });
    expect(shoe.metadata).toEqual({ [f('category')]: 'shoes', [f('size')]: ['s40'], [f('sku')]: 'A1' });
    const wrong = await failure(
      cloudinary.uploader.upload(png, {
        public_id: uid('mdr'),
        metadata: { [f('category')]: 'shoes', [f('size')]: ['large'], [f('sku')]: 'A2' },
      }),
    );
    expect(wrong.http_code).toBe(400);
    expect(wrong.message).toMatch(/value "large" is invalid \(not active under metadata rule/);

    // A category makes the SKU mandatory; the refused upload stored nothing.
    const noSkuId = uid('mdr');
    const noSku = await failure(cloudinary.uploader.upload(png, { public_id: noSkuId, metadata: { [f('category')]: 'shoes' } }));
    expect(noSku.http_code).toBe(400);
    expect(noSku.message).toMatch(/is mandatory under metadata rule/);
    expect((await failure(cloudinary.api.resource(noSkuId))).http_code).toBe(404);

    // Hats get the size "small" applied when none is given.
    const hat = await cloudinary.uploader.upload(png, { public_id: uid('mdr'), metadata: { [f('category')]: 'hats', [f('sku')]: 'H1' } });
    expect(hat.metadata).toEqual({ [f('category')]: 'hats', [f('size')]: ['small'], [f('sku')]: 'H1' });

    // update_metadata: the rules see the stored values with the change applied.
    expect((await failure(cloudinary.uploader.update_metadata({ [f('size')]: ['s42'] }, [hat.public_id]))).http_code).toBe(400);
    await cloudinary.uploader.update_metadata({ [f('size')]: ['large'] }, [hat.public_id]);
    // A large hat has no note: the field is disabled.
    const disabled = await failure(cloudinary.uploader.update_metadata({ [f('note')]: 'hello' }, [hat.public_id]));
    expect(disabled.message).toMatch(/is disabled by metadata rule/);
    await cloudinary.uploader.update_metadata({ [f('note')]: 'hello' }, [shoe.public_id]);
    // Changing the category changes which sizes are valid.
    await cloudinary.uploader.update_metadata({ [f('category')]: 'shoes', [f('size')]: ['s38'] }, [hat.public_id]);
    expect((await cloudinary.api.resource(hat.public_id)).metadata).toEqual({
      [f('category')]: 'shoes',
      [f('size')]: ['s38'],
      [f('sku')]: 'H1',
    });
    // An inactive rule has no effect.
    await cloudinary.api.update_metadata_rule(ids[0], { state: 'inactive' } as never);
    await cloudinary.uploader.update_metadata({ [f('size')]: ['large'] }, [hat.public_id]);
    for (const id of ids) await cloudinary.api.delete_metadata_rule(id);
  });
});
