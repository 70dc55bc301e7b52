import { listMetadataFields, metadataValuesOf } from '../../storage/metadata';
import { isObject, type FieldDefinition } from './definition';
import { answerValue } from './values';

/** The cloud's field definitions by external id. */
export async function fieldDefinitions(db: D1Database, cloud: string): Promise<Map<string, FieldDefinition>> {
  const rows = await listMetadataFields(db, cloud);
  const out = new Map<string, FieldDefinition>();
  for (const r of rows) {
    const def = JSON.parse(r.definition) as unknown;
    if (isObject(def)) out.set(r.external_id, def as unknown as FieldDefinition);
  }
  return out;
}

/** The `metadata` object of each resource (`{external_id: value}`), for a page at once. */
export async function metadataAnswers(db: D1Database, cloud: string, ids: number[]): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>(ids.map((id) => [id, {}]));
  if (!ids.length) return out;
  const [defs, rows] = await Promise.all([fieldDefinitions(db, cloud), metadataValuesOf(db, ids)]);
  const grouped = new Map<number, Map<string, string[]>>();
  for (const r of rows) {
    const byField = grouped.get(r.resource_id) ?? new Map<string, string[]>();
    byField.set(r.field, [...(byField.get(r.field) ?? []), r.value]);
    grouped.set(r.resource_id, byField);
  }
  for (const [id, byField] of grouped) {
    const md = out.get(id);
    if (md) for (const [field, values] of byField) md[field] = answerValue(defs.get(field), values);
  }
  return out;
}
