-- Auto-upload single flight: the request that inserts the claim for a missing
-- mapped asset loads and stores it; racing requests wait for its row. A claim
-- older than the fetch deadline is stale (its holder died) and may be taken.
-- A failed load is remembered briefly (failure_status/message) so the waiting
-- requests report it instead of each loading the origin again.
CREATE TABLE IF NOT EXISTS auto_upload_claims (
  cloud TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  type TEXT NOT NULL,
  public_id TEXT NOT NULL,
  claim_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  failure_status INTEGER,
  failure_message TEXT,
  PRIMARY KEY (cloud, resource_type, type, public_id)
);
