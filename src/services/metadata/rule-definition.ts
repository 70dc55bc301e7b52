import { badRequest } from '../../errors';
import { isObject, type FieldDefinition } from './definition';

/**
 * A structured metadata rule as Cloudinary defines it
 * (https://cloudinary.com/documentation/conditional_metadata_rules_api): when
 * `condition` holds on an asset's metadata, `result` changes what the rule's
 * field (`metadata_field_id`) accepts or gets.
 */
export type RuleCondition =
  | { metadata_field_id: string; populated: boolean }
  | { metadata_field_id: string; equals: string }
  | { metadata_field_id: string; includes: string[] }
  | { and: RuleCondition[] }
  | { or: RuleCondition[] };

interface RuleResult {
  enable?: boolean;
  set_mandatory?: boolean;
  activate_values?: 'all' | { external_ids: string[]; mode: 'override' | 'append' };
  apply_value?: { value: string[]; mode: 'default' | 'append' };
}

export interface MetadataRule {
  external_id: string;
  metadata_field_id: string;
  name: string | null;
  condition: RuleCondition;
  result: RuleResult[];
  state: 'active' | 'inactive';
  condition_signature: string;
}

const MAX_CONDITION_DEPTH = 5;
const MAX_CONDITION_NODES = 50;
const MAX_RESULTS = 10;

const strings = (v: unknown): string[] | null =>
  typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;

function parseCondition(v: unknown, defs: Map<string, FieldDefinition>, self: string, count: { n: number }, depth = 0): RuleCondition {
  if (!isObject(v) || depth > MAX_CONDITION_DEPTH || ++count.n > MAX_CONDITION_NODES) throw badRequest('Invalid condition');
  for (const op of ['and', 'or'] as const) {
    if (v[op] === undefined) continue;
    const list = v[op];
    if (!Array.isArray(list) || !list.length) throw badRequest(`Invalid condition: ${op} needs a non-empty array`);
    const parts = list.map((c) => parseCondition(c, defs, self, count, depth + 1));
    return op === 'and' ? { and: parts } : { or: parts };
  }
  const id = v.metadata_field_id;
  if (typeof id !== 'string' || !defs.has(id)) throw badRequest(`Invalid condition: metadata field ${String(id)} does not exist`);
  if (id === self) throw badRequest('Invalid condition: a rule cannot depend on its own field');
  if (typeof v.populated === 'boolean') return { metadata_field_id: id, populated: v.populated };
  if (typeof v.equals === 'string' || typeof v.equals === 'number') return { metadata_field_id: id, equals: String(v.equals) };
  const inc = strings(v.includes);
  if (inc && inc.length) return { metadata_field_id: id, includes: inc };
  throw badRequest('Invalid condition: expected populated, equals or includes');
}

function parseResult(v: unknown, def: FieldDefinition): RuleResult {
  if (!isObject(v)) throw badRequest('Invalid result');
  const out: RuleResult = {};
  const datasource = new Set((def.datasource?.values ?? []).map((e) => e.external_id));
  const listed = def.type === 'enum' || def.type === 'set';
  if (v.enable !== undefined) {
    if (typeof v.enable !== 'boolean') throw badRequest('Invalid result: enable must be a boolean');
    out.enable = v.enable;
  }
  if (v.set_mandatory !== undefined) {
    if (typeof v.set_mandatory !== 'boolean') throw badRequest('Invalid result: set_mandatory must be a boolean');
    out.set_mandatory = v.set_mandatory;
  }
  if (v.activate_values !== undefined) {
    if (!listed) throw badRequest('Invalid result: activate_values applies to enum and set fields');
    const a = v.activate_values;
    if (a === 'all') out.activate_values = 'all';
    else {
      const ids = isObject(a) ? (a.external_ids === null ? [] : strings(a.external_ids)) : null;
      const mode = isObject(a) && a.mode !== undefined ? a.mode : 'override';
      if (!ids || (mode !== 'override' && mode !== 'append')) throw badRequest('Invalid result: activate_values');
      const unknown = ids.find((id) => !datasource.has(id));
      if (unknown !== undefined) throw badRequest(`Invalid result: ${unknown} is not in the datasource of ${def.external_id}`);
      out.activate_values = { external_ids: ids, mode };
    }
  }
  if (v.apply_value !== undefined) {
    const a = v.apply_value;
    const value = isObject(a) ? strings(typeof a.value === 'number' ? String(a.value) : a.value) : null;
    const mode = isObject(a) && a.mode !== undefined ? a.mode : 'default';
    if (!value || !value.length || (mode !== 'default' && mode !== 'append')) throw badRequest('Invalid result: apply_value');
    if (def.type !== 'set' && value.length !== 1) throw badRequest(`Invalid result: apply_value of a ${def.type} field is one value`);
    if (mode === 'append' && def.type !== 'set') throw badRequest('Invalid result: apply_value mode append applies to set fields');
    if (listed) {
      const unknown = value.find((id) => !datasource.has(id));
      if (unknown !== undefined) throw badRequest(`Invalid result: ${unknown} is not in the datasource of ${def.external_id}`);
    }
    out.apply_value = { value, mode };
  }
  if (!Object.keys(out).length) throw badRequest('Invalid result: expected enable, set_mandatory, activate_values or apply_value');
  return out;
}

/** A rule from `add_metadata_rule` / `update_metadata_rule` JSON, checked against the cloud's fields. */
export function parseRule(body: Record<string, unknown>, defs: Map<string, FieldDefinition>, externalId: string): MetadataRule {
  const fieldId = body.metadata_field_id;
  if (typeof fieldId !== 'string' || !fieldId) throw badRequest('Missing required parameter - metadata_field_id');
  const def = defs.get(fieldId);
  if (!def) throw badRequest(`Metadata field ${fieldId} does not exist`);
  if (body.condition === undefined) throw badRequest('Missing required parameter - condition');
  if (body.result === undefined) throw badRequest('Missing required parameter - result');
  const condition = parseCondition(body.condition, defs, fieldId, { n: 0 });
  const results = Array.isArray(body.result) ? body.result : [body.result];
  if (!results.length || results.length > MAX_RESULTS) throw badRequest(`Invalid result: 1 to ${MAX_RESULTS} results`);
  if (body.name !== undefined && body.name !== null && (typeof body.name !== 'string' || body.name.length > 255))
    throw badRequest('Invalid name');
  if (body.state !== undefined && body.state !== 'active' && body.state !== 'inactive')
    throw badRequest('Invalid state: active or inactive');
  return {
    external_id: externalId,
    metadata_field_id: fieldId,
    name: typeof body.name === 'string' ? body.name : null,
    condition,
    result: results.map((r) => parseResult(r, def)),
    state: body.state === 'inactive' ? 'inactive' : 'active',
    condition_signature: signature(condition),
  };
}

/** The condition in a canonical text (keys sorted), so equal conditions written differently compare equal. */
function signature(c: RuleCondition): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon(v[k])]),
          )
        : v;
  return JSON.stringify(canon(c));
}
