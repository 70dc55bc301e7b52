#!/usr/bin/env bash
# Exports the D1 index (database "cld-index", binding DB) to a SQL file.
#
# `wrangler d1 export` refuses a database with virtual tables, and the search
# index (migrations/0022_search_fts.sql) is an FTS5 virtual table. So this
# drops the search index and its triggers, exports, and builds the index again
# from `resources` by applying the same migration file (every statement in it
# is IF NOT EXISTS or fills only missing rows). Meanwhile free-text search
# falls back to nothing: run it when the API is quiet. The export holds no
# FTS data; restoring it (`wrangler d1 execute cld-index --file <backup>`)
# and applying migrations/0022_search_fts.sql recreates the index.
#
# Usage: scripts/d1-backup.sh <output.sql> [--remote|--local]
set -euo pipefail
out="${1:?usage: scripts/d1-backup.sh <output.sql> [--remote|--local]}"
where="${2:---remote}"
db=cld-index
here="$(cd "$(dirname "$0")/.." && pwd)"

npx wrangler d1 execute "$db" "$where" --command "
  DROP TRIGGER IF EXISTS resources_fts_after_insert;
  DROP TRIGGER IF EXISTS resources_fts_after_delete;
  DROP TRIGGER IF EXISTS resources_fts_after_update;
  DROP TABLE IF EXISTS resources_fts;"
status=0
npx wrangler d1 export "$db" "$where" --output "$out" || status=$?
# Whatever the export did, the index comes back.
npx wrangler d1 execute "$db" "$where" --file "$here/migrations/0022_search_fts.sql"
exit "$status"
