import { badRequest, CldError, notFound } from '../../errors';
import {
  deleteMetadataField,
  getMetadataField,
  insertMetadataField,
  listMetadataFields,
  setMetadataFieldOrder,
  updateMetadataFieldDefinition,
} from '../../storage/metadata';
import {
  mergeFieldDefinition,
  parseDatasourceValues,
  parseFieldDefinition,
  type DatasourceEntry,
  type FieldDefinition,
} from './definition';

/**
 * The metadata field calls of the Admin API (`add_metadata_field`,
 * `list_metadata_fields`, `metadata_field_by_field_id`, `update_metadata_field`,
 * `delete_metadata_field`, the datasource calls and `reorder_metadata_fields`).
 * Definitions are answered as Cloudinary's JSON.
 */
const parse = (json: string) => JSON.parse(json) as FieldDefinition;

async function load(db: D1Database, cloud: string, id: string): Promise<FieldDefinition> {
  const row = await getMetadataField(db, cloud, id);
  if (!row) throw notFound(`Metadata field ${id} not found`);
  return parse(row.definition);
}

export async function addField(db: D1Database, cloud: string, body: Record<string, unknown>): Promise<FieldDefinition> {
  const def = parseFieldDefinition(body);
  if (!(await insertMetadataField(db, cloud, def.external_id, JSON.stringify(def)))) {
    throw new CldError(409, `A metadata field with external_id ${def.external_id} already exists`);
  }
  return def;
}

export async function listFields(db: D1Database, cloud: string) {
  return { metadata_fields: (await listMetadataFields(db, cloud)).map((r) => parse(r.definition)) };
}

export const getField = load;

export async function updateField(db: D1Database, cloud: string, id: string, patch: Record<string, unknown>): Promise<FieldDefinition> {
  const def = mergeFieldDefinition(await load(db, cloud, id), patch);
  await updateMetadataFieldDefinition(db, cloud, id, JSON.stringify(def));
  return def;
}

export async function deleteField(db: D1Database, cloud: string, id: string) {
  if (!(await deleteMetadataField(db, cloud, id))) throw notFound(`Metadata field ${id} not found`);
  return { message: 'ok' };
}

async function withDatasource(db: D1Database, cloud: string, id: string, change: (values: DatasourceEntry[]) => DatasourceEntry[]) {
  const def = await load(db, cloud, id);
  if (!def.datasource) throw badRequest(`Metadata field ${id} has no datasource`);
  def.datasource = { values: change(def.datasource.values) };
  await updateMetadataFieldDefinition(db, cloud, id, JSON.stringify(def));
  return def.datasource;
}

/** New entries are added, entries with a known external id get the new value (and become active). */
export function updateDatasource(db: D1Database, cloud: string, id: string, values: unknown) {
  const incoming = parseDatasourceValues(values);
  return withDatasource(db, cloud, id, (current) => {
    const byId = new Map(current.map((e) => [e.external_id, e]));
    for (const e of incoming) byId.set(e.external_id, { ...e, state: 'active' });
    return [...byId.values()];
  });
}

/** Deleting entries makes them inactive (values already assigned stay); restoring makes them active again. */
export function setDatasourceState(db: D1Database, cloud: string, id: string, ids: unknown, state: 'active' | 'inactive') {
  if (!Array.isArray(ids) || !ids.length || !ids.every((x) => typeof x === 'string'))
    throw badRequest('external_ids must be a list of strings');
  const set = new Set(ids as string[]);
  return withDatasource(db, cloud, id, (current) => current.map((e) => (set.has(e.external_id) ? { ...e, state } : e)));
}

const direction = (d: unknown) => {
  if (d === undefined || d === 'asc') return 1;
  if (d === 'desc') return -1;
  throw badRequest(`Invalid direction ${String(d)} (asc or desc)`);
};

export function orderDatasource(db: D1Database, cloud: string, id: string, orderBy: unknown, dir: unknown) {
  if (orderBy !== 'value') throw badRequest(`Invalid order_by ${String(orderBy)} (value)`);
  const sign = direction(dir);
  return withDatasource(db, cloud, id, (current) => [...current].sort((a, b) => sign * a.value.localeCompare(b.value)));
}

const FIELD_ORDER: Record<string, (d: FieldDefinition, position: number) => string | number> = {
  label: (d) => d.label,
  external_id: (d) => d.external_id,
  created_at: (_d, position) => position,
};

/** `reorder_metadata_fields(order_by, direction)`: sorts the display order by label, external id or creation. */
export async function reorderFields(db: D1Database, cloud: string, orderBy: unknown, dir: unknown) {
  const key = FIELD_ORDER[String(orderBy)];
  if (!key) throw badRequest(`Invalid order_by ${String(orderBy)} (label, external_id, created_at)`);
  const sign = direction(dir);
  const rows = (await listMetadataFields(db, cloud)).map((r) => ({ def: parse(r.definition), position: r.position }));
  rows.sort((a, b) => {
    const [x, y] = [key(a.def, a.position), key(b.def, b.position)];
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
  });
  await setMetadataFieldOrder(
    db,
    cloud,
    rows.map((r) => r.def.external_id),
  );
  return { metadata_fields: rows.map((r) => r.def) };
}
