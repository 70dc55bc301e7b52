import { notFound } from '../../errors';
import {
  deleteMetadataRule,
  getMetadataRule,
  insertMetadataRule,
  listMetadataRules,
  updateMetadataRule,
} from '../../storage/metadata-rules';
import { fieldDefinitions } from './answer';
import { isObject } from './definition';
import { parseRule, type MetadataRule } from './rule-definition';

const parsed = (definition: string): MetadataRule | null => {
  try {
    const v = JSON.parse(definition) as unknown;
    return isObject(v) ? (v as unknown as MetadataRule) : null;
  } catch {
    return null;
  }
};

/** `list_metadata_rules`: the cloud's rules in creation order (an array, as the SDK types it). */
export async function listRules(db: D1Database, cloud: string): Promise<MetadataRule[]> {
  return (await listMetadataRules(db, cloud)).flatMap((r) => parsed(r.definition) ?? []);
}

/** `add_metadata_rule`: checked against the cloud's fields, with a generated external id. */
export async function addRule(db: D1Database, cloud: string, body: Record<string, unknown>): Promise<MetadataRule> {
  const rule = parseRule(body, await fieldDefinitions(db, cloud), `mdr_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`);
  await insertMetadataRule(db, cloud, rule.external_id, rule.metadata_field_id, JSON.stringify(rule));
  return rule;
}

/** `update_metadata_rule`: the given keys replace the stored ones, and the whole rule is checked again. */
export async function updateRule(db: D1Database, cloud: string, id: string, body: Record<string, unknown>): Promise<MetadataRule> {
  const row = await getMetadataRule(db, cloud, id);
  const stored = row ? parsed(row.definition) : null;
  if (!stored) throw notFound(`Metadata rule ${id} not found`);
  const rule = parseRule({ ...stored, ...body } as Record<string, unknown>, await fieldDefinitions(db, cloud), id);
  await updateMetadataRule(db, cloud, id, rule.metadata_field_id, JSON.stringify(rule));
  return rule;
}

export async function deleteRule(db: D1Database, cloud: string, id: string) {
  if (!(await deleteMetadataRule(db, cloud, id))) throw notFound(`Metadata rule ${id} not found`);
  return { success: true, message: 'ok' };
}
