import { badRequest } from '../../errors';

/**
 * A structured metadata field as Cloudinary defines it
 * (https://cloudinary.com/documentation/admin_api#generic_structure_of_a_metadata_field).
 */
type FieldType = 'string' | 'integer' | 'date' | 'enum' | 'set';
const TYPES: readonly FieldType[] = ['string', 'integer', 'date', 'enum', 'set'];

export interface DatasourceEntry {
  external_id: string;
  value: string;
  state: 'active' | 'inactive';
}

export type Validation =
  | { type: 'greater_than' | 'less_than'; value: number | string; equals?: boolean }
  | { type: 'strlen'; min?: number; max?: number }
  | { type: 'and'; rules: Validation[] };

export interface FieldDefinition {
  external_id: string;
  label: string;
  type: FieldType;
  mandatory: boolean;
  default_value?: unknown;
  default_disabled?: boolean;
  validation?: Validation | null;
  datasource?: { values: DatasourceEntry[] };
  restrictions?: Record<string, unknown>;
}

const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,255}$/;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseValidation(v: unknown, depth = 0): Validation | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || depth > 4) throw badRequest('Invalid validation');
  switch (v.type) {
    case 'greater_than':
    case 'less_than':
      if (typeof v.value !== 'number' && typeof v.value !== 'string') throw badRequest(`Invalid validation: ${v.type} needs a value`);
      return { type: v.type, value: v.value, equals: v.equals === true };
    case 'strlen': {
      const num = (x: unknown) => (x === undefined ? undefined : Number.isInteger(x) && (x as number) >= 0 ? (x as number) : NaN);
      const min = num(v.min);
      const max = num(v.max);
      if (Number.isNaN(min) || Number.isNaN(max) || (min === undefined && max === undefined))
        throw badRequest('Invalid validation: strlen needs min or max');
      return { type: 'strlen', min, max };
    }
    case 'and':
      if (!Array.isArray(v.rules) || !v.rules.length) throw badRequest('Invalid validation: and needs rules');
      return { type: 'and', rules: v.rules.map((r) => parseValidation(r, depth + 1) as Validation) };
    default:
      throw badRequest(`Invalid validation type ${String(v.type)}`);
  }
}

/** Datasource entries: each gets an external id (generated when absent) and the state `active`. */
export function parseDatasourceValues(values: unknown): DatasourceEntry[] {
  if (!Array.isArray(values) || !values.length) throw badRequest('Datasource values must be a non-empty array');
  const seen = new Set<string>();
  return values.map((e) => {
    if (!isObject(e) || typeof e.value !== 'string' || !e.value) throw badRequest('Each datasource value needs a value');
    const id = typeof e.external_id === 'string' && e.external_id ? e.external_id : crypto.randomUUID().replace(/-/g, '').slice(0, 16);
    if (!EXTERNAL_ID.test(id)) throw badRequest(`Invalid datasource external_id ${id}`);
    if (seen.has(id)) throw badRequest(`Duplicate datasource external_id ${id}`);
    seen.add(id);
    return { external_id: id, value: e.value, state: e.state === 'inactive' ? 'inactive' : 'active' };
  });
}

/** A new field from `add_metadata_field`'s JSON: checked, with Cloudinary's defaults filled in. */
export function parseFieldDefinition(body: Record<string, unknown>): FieldDefinition {
  const type = body.type;
  if (!TYPES.includes(type as FieldType)) throw badRequest(`Invalid metadata field type ${String(type)} (${TYPES.join(', ')})`);
  if (typeof body.label !== 'string' || !body.label) throw badRequest('Missing required parameter - label');
  const external_id = typeof body.external_id === 'string' && body.external_id ? body.external_id : crypto.randomUUID();
  if (!EXTERNAL_ID.test(external_id)) throw badRequest(`Invalid external_id ${external_id}`);
  const def: FieldDefinition = {
    external_id,
    label: body.label,
    type: type as FieldType,
    mandatory: body.mandatory === true || body.mandatory === 'true',
    default_disabled: body.default_disabled === true,
    validation: parseValidation(body.validation),
  };
  if (type === 'enum' || type === 'set') {
    const ds = body.datasource;
    if (!isObject(ds)) throw badRequest(`A ${String(type)} field needs a datasource`);
    def.datasource = { values: parseDatasourceValues(ds.values) };
  }
  if (isObject(body.restrictions)) def.restrictions = body.restrictions;
  if (body.default_value !== undefined && body.default_value !== null) def.default_value = body.default_value;
  if (def.mandatory && def.default_value === undefined) throw badRequest('A mandatory field needs a default_value');
  return def;
}

/** `update_metadata_field`: the given keys replace the stored ones; `type` and `external_id` stay. */
export function mergeFieldDefinition(stored: FieldDefinition, patch: Record<string, unknown>): FieldDefinition {
  if (patch.type !== undefined && patch.type !== stored.type) throw badRequest('The type of a metadata field cannot be changed');
  const merged = { ...stored, ...patch, type: stored.type, external_id: stored.external_id } as Record<string, unknown>;
  if (isObject(patch.datasource) && patch.datasource.values !== undefined) merged.datasource = { values: patch.datasource.values };
  else merged.datasource = stored.datasource;
  return parseFieldDefinition(merged);
}
