-- When a stored derived image was last served from R2 (at most once an hour
-- is recorded), so the least recently used variants of an asset can be
-- removed beyond MAX_DERIVED_PER_ASSET (src/storage/derived-usage.ts).
ALTER TABLE derived ADD COLUMN last_used_at TEXT;
CREATE INDEX IF NOT EXISTS derived_by_r2_key ON derived (r2_key);
