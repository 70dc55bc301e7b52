/** A stored metadata field: Cloudinary's definition JSON, kept whole, and its display position. */
export interface MetadataFieldRow {
  external_id: string;
  position: number;
  definition: string;
}

export async function listMetadataFields(db: D1Database, cloud: string): Promise<MetadataFieldRow[]> {
  const rows = await db
    .prepare('SELECT external_id, position, definition FROM metadata_fields WHERE cloud = ? ORDER BY position, external_id')
    .bind(cloud)
    .all<MetadataFieldRow>();
  return rows.results;
}

export async function getMetadataField(db: D1Database, cloud: string, externalId: string): Promise<MetadataFieldRow | null> {
  return db
    .prepare('SELECT external_id, position, definition FROM metadata_fields WHERE cloud = ? AND external_id = ?')
    .bind(cloud, externalId)
    .first<MetadataFieldRow>();
}

/** Adds a field at the end of the order; false when the external id is taken. */
export async function insertMetadataField(db: D1Database, cloud: string, externalId: string, definition: string): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT OR IGNORE INTO metadata_fields (cloud, external_id, position, definition)
       VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM metadata_fields WHERE cloud = ?), ?)`,
    )
    .bind(cloud, externalId, cloud, definition)
    .run();
  return r.meta.changes > 0;
}

export async function updateMetadataFieldDefinition(db: D1Database, cloud: string, externalId: string, definition: string): Promise<void> {
  await db
    .prepare('UPDATE metadata_fields SET definition = ? WHERE cloud = ? AND external_id = ?')
    .bind(definition, cloud, externalId)
    .run();
}

/** Deletes a field, every asset's value of it and the rules for it. */
export async function deleteMetadataField(db: D1Database, cloud: string, externalId: string): Promise<boolean> {
  const [, , del] = await db.batch([
    db.prepare('DELETE FROM resource_metadata WHERE cloud = ? AND field = ?').bind(cloud, externalId),
    db.prepare('DELETE FROM metadata_rules WHERE cloud = ? AND metadata_field_id = ?').bind(cloud, externalId),
    db.prepare('DELETE FROM metadata_fields WHERE cloud = ? AND external_id = ?').bind(cloud, externalId),
  ]);
  return del.meta.changes > 0;
}

/** Sets the display order of the fields: each id gets its index in `order`. */
export async function setMetadataFieldOrder(db: D1Database, cloud: string, order: string[]): Promise<void> {
  if (!order.length) return;
  await db.batch(
    order.map((id, i) => db.prepare('UPDATE metadata_fields SET position = ? WHERE cloud = ? AND external_id = ?').bind(i + 1, cloud, id)),
  );
}

/** Replaces the values of the named fields of one asset (an empty list removes the field's value). */
export async function setResourceMetadata(db: D1Database, cloud: string, resourceId: number, values: Map<string, string[]>): Promise<void> {
  if (!values.size) return;
  const stmts: D1PreparedStatement[] = [];
  for (const [field, list] of values) {
    stmts.push(db.prepare('DELETE FROM resource_metadata WHERE resource_id = ? AND field = ?').bind(resourceId, field));
    for (const v of new Set(list)) {
      stmts.push(
        db
          .prepare('INSERT OR IGNORE INTO resource_metadata (resource_id, cloud, field, value) VALUES (?, ?, ?, ?)')
          .bind(resourceId, cloud, field, v),
      );
    }
  }
  await db.batch(stmts);
}

/** Values of many resources in one query, ordered by resource and field. */
export async function metadataValuesOf(db: D1Database, ids: number[]): Promise<{ resource_id: number; field: string; value: string }[]> {
  if (!ids.length) return [];
  const rows = await db
    .prepare(
      'SELECT resource_id, field, value FROM resource_metadata WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, field, value',
    )
    .bind(JSON.stringify(ids))
    .all<{ resource_id: number; field: string; value: string }>();
  return rows.results;
}
