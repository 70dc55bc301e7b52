-- The resource index. R2 holds the bytes; a row here is the pointer to the
-- current version, written only after its bytes are in R2.
CREATE TABLE IF NOT EXISTS resources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  version_id TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  format TEXT,
  content_type TEXT NOT NULL,
  width INTEGER,
  height INTEGER,
  pages INTEGER,
  bytes INTEGER NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  access_mode TEXT NOT NULL DEFAULT 'public',
  moderation_kind TEXT,
  moderation_status TEXT,
  moderation_updated_at TEXT,
  original_filename TEXT,
  placeholder INTEGER NOT NULL DEFAULT 0,
  backup INTEGER NOT NULL DEFAULT 0,
  asset_folder TEXT NOT NULL DEFAULT '',
  display_name TEXT,
  access_control TEXT,
  coordinates TEXT,
  info TEXT,
  source_url TEXT,
  UNIQUE (cloud, resource_type, type, public_id)
);
CREATE INDEX IF NOT EXISTS resources_listing ON resources (cloud, resource_type, type, public_id);
CREATE INDEX IF NOT EXISTS resources_created ON resources (cloud, resource_type, created_at, id);
CREATE INDEX IF NOT EXISTS resources_asset_id ON resources (cloud, asset_id);
CREATE INDEX IF NOT EXISTS resources_moderation ON resources (cloud, resource_type, moderation_kind, moderation_status, id);

CREATE TABLE IF NOT EXISTS resource_tags (
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  cloud TEXT NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (resource_id, tag)
);
CREATE INDEX IF NOT EXISTS resource_tags_by_tag ON resource_tags (cloud, tag, resource_id);

CREATE TABLE IF NOT EXISTS resource_context (
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  cloud TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (resource_id, key)
);
CREATE INDEX IF NOT EXISTS resource_context_by_key ON resource_context (cloud, key, value, resource_id);

-- Derived images (eager or on the fly), stored in R2 under their canonical key.
CREATE TABLE IF NOT EXISTS derived (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cloud TEXT NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  transformation TEXT NOT NULL,
  format TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  width INTEGER,
  height INTEGER,
  eager INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (resource_id, version, transformation, format)
);
CREATE INDEX IF NOT EXISTS derived_by_resource ON derived (resource_id, id);

-- Backup revisions: earlier originals kept in R2 when backup is on.
CREATE TABLE IF NOT EXISTS revisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  version_id TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  format TEXT,
  content_type TEXT NOT NULL,
  width INTEGER,
  height INTEGER,
  bytes INTEGER NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_by_asset ON revisions (cloud, resource_type, type, public_id, version);
CREATE INDEX IF NOT EXISTS revisions_by_key ON revisions (r2_key);

-- Chunked uploads (upload_large) in progress, assembled with R2 multipart uploads.
CREATE TABLE IF NOT EXISTS upload_sessions (
  cloud TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  r2_upload_id TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (cloud, upload_id)
);
CREATE INDEX IF NOT EXISTS upload_sessions_age ON upload_sessions (updated_at);

-- What the edge cache holds, per asset, so purge can find every variant.
CREATE TABLE IF NOT EXISTS cache_entries (
  cache_key TEXT PRIMARY KEY,
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_entries_by_asset ON cache_entries (cloud, resource_type, type, public_id);

CREATE TABLE IF NOT EXISTS delete_tokens (
  token TEXT PRIMARY KEY,
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS usage_counters (
  cloud TEXT NOT NULL,
  metric TEXT NOT NULL,
  value INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (cloud, metric)
);

-- The last version handed out per public id: an atomic upsert here gives every
-- write its own, strictly increasing version, even within one second.
CREATE TABLE IF NOT EXISTS version_seq (
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  last_version INTEGER NOT NULL,
  PRIMARY KEY (cloud, resource_type, type, public_id)
);
