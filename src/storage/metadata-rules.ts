/** A stored metadata rule: Cloudinary's JSON kept whole, in creation order. */
export interface MetadataRuleRow {
  external_id: string;
  definition: string;
}

export async function listMetadataRules(db: D1Database, cloud: string): Promise<MetadataRuleRow[]> {
  const rows = await db
    .prepare('SELECT external_id, definition FROM metadata_rules WHERE cloud = ? ORDER BY position, external_id')
    .bind(cloud)
    .all<MetadataRuleRow>();
  return rows.results;
}

export async function getMetadataRule(db: D1Database, cloud: string, externalId: string): Promise<MetadataRuleRow | null> {
  return db
    .prepare('SELECT external_id, definition FROM metadata_rules WHERE cloud = ? AND external_id = ?')
    .bind(cloud, externalId)
    .first<MetadataRuleRow>();
}

export async function insertMetadataRule(
  db: D1Database,
  cloud: string,
  externalId: string,
  fieldId: string,
  definition: string,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO metadata_rules (cloud, external_id, position, metadata_field_id, definition)
       VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM metadata_rules WHERE cloud = ?), ?, ?)`,
    )
    .bind(cloud, externalId, cloud, fieldId, definition)
    .run();
}

export async function updateMetadataRule(
  db: D1Database,
  cloud: string,
  externalId: string,
  fieldId: string,
  definition: string,
): Promise<void> {
  await db
    .prepare('UPDATE metadata_rules SET metadata_field_id = ?, definition = ? WHERE cloud = ? AND external_id = ?')
    .bind(fieldId, definition, cloud, externalId)
    .run();
}

export async function deleteMetadataRule(db: D1Database, cloud: string, externalId: string): Promise<boolean> {
  const r = await db.prepare('DELETE FROM metadata_rules WHERE cloud = ? AND external_id = ?').bind(cloud, externalId).run();
  return r.meta.changes > 0;
}
