-- Related assets (add_related_assets): one row per direction, since
-- Cloudinary's relation is bidirectional (A related to B lists A under B
-- too); deleting either asset drops the relation.
CREATE TABLE IF NOT EXISTS related_assets (
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  related_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  cloud TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (resource_id, related_id)
);
CREATE INDEX IF NOT EXISTS related_assets_by_related ON related_assets (related_id);

-- Structured metadata rules (add_metadata_rule): Cloudinary's JSON kept whole,
-- in creation order.
CREATE TABLE IF NOT EXISTS metadata_rules (
  cloud TEXT NOT NULL,
  external_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  metadata_field_id TEXT NOT NULL,
  definition TEXT NOT NULL,
  PRIMARY KEY (cloud, external_id)
);
CREATE INDEX IF NOT EXISTS metadata_rules_by_field ON metadata_rules (cloud, metadata_field_id);
