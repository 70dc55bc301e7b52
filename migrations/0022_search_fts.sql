-- Free-text search over public ids and display names (the Search API's bare
-- words and `:` substring matches): an FTS5 index with the trigram tokenizer,
-- whose phrase queries find any substring of three or more characters
-- (case-insensitively) through the index instead of reading every asset.
-- Triggers keep it in step with `resources` whatever code path writes it.
-- D1's export refuses databases with virtual tables: scripts/d1-backup.sh
-- drops this index, exports, and applies this file again.
CREATE VIRTUAL TABLE IF NOT EXISTS resources_fts USING fts5(public_id, display_name, tokenize = 'trigram');

CREATE TRIGGER IF NOT EXISTS resources_fts_after_insert AFTER INSERT ON resources
BEGIN
  INSERT INTO resources_fts (rowid, public_id, display_name) VALUES (NEW.id, NEW.public_id, coalesce(NEW.display_name, ''));
END;

CREATE TRIGGER IF NOT EXISTS resources_fts_after_delete AFTER DELETE ON resources
BEGIN
  DELETE FROM resources_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER IF NOT EXISTS resources_fts_after_update AFTER UPDATE OF public_id, display_name ON resources
BEGIN
  DELETE FROM resources_fts WHERE rowid = OLD.id;
  INSERT INTO resources_fts (rowid, public_id, display_name) VALUES (NEW.id, NEW.public_id, coalesce(NEW.display_name, ''));
END;

INSERT INTO resources_fts (rowid, public_id, display_name)
  SELECT id, public_id, coalesce(display_name, '') FROM resources WHERE id NOT IN (SELECT rowid FROM resources_fts);
