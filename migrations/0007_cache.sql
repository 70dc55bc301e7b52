-- Which delivery URL and which version form each cached answer belongs to, so
-- purge by URL finds every negotiated answer of a URL and invalidation finds
-- the URL forms the cloud's invalidate_versioned_urls setting selects.
ALTER TABLE cache_entries ADD COLUMN url_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cache_entries ADD COLUMN version_form TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS cache_entries_by_url ON cache_entries (cloud, url_key);
CREATE INDEX IF NOT EXISTS cache_entries_by_form ON cache_entries (cloud, resource_type, type, public_id, version_form);
