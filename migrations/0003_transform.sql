-- Leases that keep isolates from computing the same new derived image at once:
-- the holder computes it, the others wait for its object to appear in R2.
CREATE TABLE IF NOT EXISTS derived_leases (
  lease_key TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
