-- Search: the default order (newest upload first) and public-id ranges across
-- every resource type walk these indexes instead of sorting the cloud.
CREATE INDEX IF NOT EXISTS resources_search_uploaded ON resources (cloud, uploaded_at, id);
CREATE INDEX IF NOT EXISTS resources_search_public_id ON resources (cloud, public_id, id);
CREATE INDEX IF NOT EXISTS resources_search_format ON resources (cloud, format, id);
CREATE INDEX IF NOT EXISTS resources_search_bytes ON resources (cloud, bytes, id);
CREATE INDEX IF NOT EXISTS resources_search_width ON resources (cloud, width, id);

-- Folders. One row per folder path that holds assets or was created by
-- create_folder; ancestors are implied by their descendants' paths. origin:
-- 'public_id' (the folder part of a public id: fixed folder mode),
-- 'asset_folder' (dynamic folder mode) or 'created' (create_folder, both modes).
-- Rows outlive their assets, as Cloudinary keeps emptied folders until
-- delete_folder removes them.
CREATE TABLE IF NOT EXISTS folders (
  cloud TEXT NOT NULL,
  origin TEXT NOT NULL,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (cloud, origin, path)
);
CREATE INDEX IF NOT EXISTS folders_by_path ON folders (cloud, path);

-- Every write of the resource index records its folders, whichever code path
-- made it (upload, rename, restore, update). rtrim(p, replace(p, '/', ''))
-- strips the last segment of a path (the characters that are not '/'). The
-- bodies check NOT EXISTS instead of INSERT OR IGNORE: an outer upsert's
-- conflict handling overrides a trigger's OR IGNORE, and the duplicate would fail it.
CREATE TRIGGER IF NOT EXISTS folders_after_insert AFTER INSERT ON resources
BEGIN
  INSERT INTO folders (cloud, origin, path, created_at)
    SELECT NEW.cloud, 'public_id', rtrim(rtrim(NEW.public_id, replace(NEW.public_id, '/', '')), '/'), NEW.uploaded_at
    WHERE instr(NEW.public_id, '/') > 0 AND NOT EXISTS (
      SELECT 1 FROM folders WHERE cloud = NEW.cloud AND origin = 'public_id'
        AND path = rtrim(rtrim(NEW.public_id, replace(NEW.public_id, '/', '')), '/'));
  INSERT INTO folders (cloud, origin, path, created_at)
    SELECT NEW.cloud, 'asset_folder', NEW.asset_folder, NEW.uploaded_at
    WHERE NEW.asset_folder != '' AND NOT EXISTS (
      SELECT 1 FROM folders WHERE cloud = NEW.cloud AND origin = 'asset_folder' AND path = NEW.asset_folder);
END;

CREATE TRIGGER IF NOT EXISTS folders_after_update AFTER UPDATE OF public_id, asset_folder ON resources
BEGIN
  INSERT INTO folders (cloud, origin, path, created_at)
    SELECT NEW.cloud, 'public_id', rtrim(rtrim(NEW.public_id, replace(NEW.public_id, '/', '')), '/'), NEW.uploaded_at
    WHERE instr(NEW.public_id, '/') > 0 AND NOT EXISTS (
      SELECT 1 FROM folders WHERE cloud = NEW.cloud AND origin = 'public_id'
        AND path = rtrim(rtrim(NEW.public_id, replace(NEW.public_id, '/', '')), '/'));
  INSERT INTO folders (cloud, origin, path, created_at)
    SELECT NEW.cloud, 'asset_folder', NEW.asset_folder, NEW.uploaded_at
    WHERE NEW.asset_folder != '' AND NOT EXISTS (
      SELECT 1 FROM folders WHERE cloud = NEW.cloud AND origin = 'asset_folder' AND path = NEW.asset_folder);
END;

INSERT OR IGNORE INTO folders (cloud, origin, path, created_at)
  SELECT cloud, 'public_id', rtrim(rtrim(public_id, replace(public_id, '/', '')), '/'), min(uploaded_at)
  FROM resources WHERE instr(public_id, '/') > 0 GROUP BY 1, 2, 3;
INSERT OR IGNORE INTO folders (cloud, origin, path, created_at)
  SELECT cloud, 'asset_folder', asset_folder, min(uploaded_at)
  FROM resources WHERE asset_folder != '' GROUP BY 1, 2, 3;

-- Structured metadata: field definitions (Cloudinary's JSON, kept whole) in
-- their display order, and each asset's values (a set field has one row per
-- value) indexed for search.
CREATE TABLE IF NOT EXISTS metadata_fields (
  cloud TEXT NOT NULL,
  external_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  definition TEXT NOT NULL,
  PRIMARY KEY (cloud, external_id)
);
CREATE TABLE IF NOT EXISTS resource_metadata (
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  cloud TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (resource_id, field, value)
);
CREATE INDEX IF NOT EXISTS resource_metadata_by_field ON resource_metadata (cloud, field, value, resource_id);

-- delete_backed_up_assets names an asset by its asset id.
CREATE INDEX IF NOT EXISTS revisions_by_asset_id ON revisions (cloud, asset_id, version_id);
