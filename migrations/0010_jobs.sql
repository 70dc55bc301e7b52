-- Background jobs whose retries ran out (or that could never succeed): kept so
-- nothing is lost silently; an operator can read them and act.
CREATE TABLE IF NOT EXISTS failed_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cloud TEXT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_jobs_by_cloud ON failed_jobs (cloud, id);

-- The notification_url an asset was uploaded with: moderation decisions taken
-- later are reported there.
CREATE TABLE IF NOT EXISTS asset_notification_urls (
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  url TEXT NOT NULL,
  PRIMARY KEY (cloud, resource_type, type, public_id)
);
