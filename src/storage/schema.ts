import m0001 from '../../migrations/0001_init.sql';
import m0003 from '../../migrations/0003_transform.sql';
import m0006 from '../../migrations/0006_auto_upload.sql';
import m0007 from '../../migrations/0007_cache.sql';
import m0008 from '../../migrations/0008_admin.sql';
import m0010 from '../../migrations/0010_jobs.sql';
import m0018 from '../../migrations/0018_derived_lru.sql';
import m0020 from '../../migrations/0020_search_folders_metadata.sql';
import m0021 from '../../migrations/0021_related_rules.sql';
import m0022 from '../../migrations/0022_search_fts.sql';

/**
 * The D1 migrations, in order. The worker applies the missing ones itself on
 * first use, so `wrangler dev` on an empty state directory, the tests and a
 * fresh deployment all get the schema without a manual step. Each file runs
 * once; the applied names are recorded in `schema_migrations`.
 */
const MIGRATIONS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['0001_init', m0001],
  ['0003_transform', m0003],
  ['0006_auto_upload', m0006],
  ['0007_cache', m0007],
  ['0008_admin', m0008],
  ['0010_jobs', m0010],
  ['0018_derived_lru', m0018],
  ['0020_search_folders_metadata', m0020],
  ['0021_related_rules', m0021],
  ['0022_search_fts', m0022],
];

let ready: Promise<void> | undefined;

/**
 * Made ready once per request (middleware in src/http/app.ts) and once per
 * queue batch (src/services/jobs/consumer.ts); repositories assume it.
 */
export function ensureSchema(db: D1Database): Promise<void> {
  ready ??= apply(db).catch((err) => {
    ready = undefined; // a later request may try again
    throw err;
  });
  return ready;
}

/**
 * Splits a migration file into statements (no semicolons inside our SQL
 * literals). A trigger's body, from a line ending in BEGIN to its `END;`, is
 * one statement with its inner semicolons.
 */
function statements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inBody = false;
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--')) continue;
    if (/\bBEGIN\s*$/i.test(line)) inBody = true;
    const ends = inBody ? /^\s*END;\s*$/i.test(line) : line.includes(';');
    if (!ends) {
      current += line + '\n';
      continue;
    }
    if (inBody) {
      out.push((current + line.replace(/;\s*$/, '')).trim());
      inBody = false;
    } else {
      const parts = (current + line).split(';');
      out.push(...parts.slice(0, -1).map((s) => s.trim()));
      current = parts[parts.length - 1] + '\n';
      continue;
    }
    current = '';
  }
  out.push(current.trim());
  return out.filter(Boolean);
}

async function apply(db: D1Database): Promise<void> {
  await db.prepare('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)').run();
  const done = new Set((await db.prepare('SELECT name FROM schema_migrations').all<{ name: string }>()).results.map((r) => r.name));
  for (const [name, sql] of MIGRATIONS) {
    if (done.has(name)) continue;
    await db.batch([
      ...statements(sql).map((s) => db.prepare(s)),
      db.prepare('INSERT OR IGNORE INTO schema_migrations (name, applied_at) VALUES (?, ?)').bind(name, Date.now()),
    ]);
  }
}
