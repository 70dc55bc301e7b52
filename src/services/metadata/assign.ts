import type { Env } from '../../config/env';
import { badRequest, CldError } from '../../errors';
import { metadataValuesOf, setResourceMetadata } from '../../storage/metadata';
import { listRules } from './rules';
import { applyRules, type MetadataState } from './rule-effect';
import { parseContext } from '../upload/context';
import { fieldDefinitions } from './answer';
import type { FieldDefinition } from './definition';
import { decodeRequestValue, storedValues } from './values';

/**
 * The `metadata` parameter (upload, explicit, update, update_metadata):
 * `id=v|id2=["a","b"]` as the SDKs encode it, or a JSON object. Each value is
 * checked against its field; with `clearInvalid`, an invalid value clears the
 * field instead of failing the call. Answers stored strings per field.
 */
export async function parseMetadataParam(db: D1Database, cloud: string, raw: string, clearInvalid = false): Promise<Map<string, string[]>> {
  const defs = await fieldDefinitions(db, cloud);
  const out = new Map<string, string[]>();
  for (const [id, value] of Object.entries(parseJsonOrEncoded(raw))) {
    const def = defs.get(id);
    if (!def) throw badRequest(`Metadata field ${id} does not exist`);
    try {
      out.set(id, storedValues(def, decodeRequestValue(value)));
    } catch (err) {
      if (!clearInvalid || !(err instanceof CldError)) throw err;
      out.set(id, []);
    }
  }
  return out;
}

function parseJsonOrEncoded(raw: string): Record<string, unknown> {
  const t = raw.trim();
  if (t.startsWith('{')) {
    try {
      const obj = JSON.parse(t) as unknown;
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) return obj as Record<string, unknown>;
    } catch {
      // the k=v form after all
    }
  }
  return parseContext(raw);
}

/** Default values of the fields a new asset did not get a value for. */
export async function withDefaults(db: D1Database, cloud: string, given: Map<string, string[]>): Promise<Map<string, string[]>> {
  const defs = await fieldDefinitions(db, cloud);
  const out = new Map(given);
  for (const def of defs.values()) {
    if (out.has(def.external_id) || def.default_value === undefined || def.default_disabled) continue;
    out.set(def.external_id, storedDefault(def));
  }
  return out;
}

const storedDefault = (def: FieldDefinition): string[] => {
  try {
    return storedValues(def, def.default_value);
  } catch {
    return [];
  }
};

/**
 * Writes the values to each asset, through the cloud's metadata rules
 * (rule-effect.ts) when it has any: each asset's stored values with these
 * applied are what the rules' conditions see. A value the rules refuse for
 * any asset fails the call before anything is written.
 */
export async function assignMetadata(env: Env, cloud: string, resourceIds: number[], values: Map<string, string[]>): Promise<void> {
  const rules = await listRules(env.DB, cloud);
  if (!rules.length) {
    for (const id of resourceIds) await setResourceMetadata(env.DB, cloud, id, values);
    return;
  }
  const stored = await metadataValuesOf(env.DB, resourceIds);
  const writes = resourceIds.map((id) => {
    const state: MetadataState = new Map();
    for (const r of stored) if (r.resource_id === id) state.set(r.field, [...(state.get(r.field) ?? []), r.value]);
    for (const [field, list] of values) state.set(field, list);
    return { id, write: applyRules(rules, state, new Set(values.keys())) };
  });
  for (const { id, write } of writes) await setResourceMetadata(env.DB, cloud, id, write);
}

/** A new asset's values (given and defaults) through the rules, checked before the asset is stored. */
export async function checkNewAssetMetadata(db: D1Database, cloud: string, values: Map<string, string[]>): Promise<void> {
  const rules = await listRules(db, cloud);
  if (rules.length) applyRules(rules, new Map(values), new Set(values.keys()));
}
