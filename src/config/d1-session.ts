/**
 * D1 read replicas through the Sessions API. Each request's `DB` is one D1
 * session (obtained where bindings are handed out, src/http/app.ts, after
 * metering), so every repository keeps taking a `D1Database` and reads may be
 * answered by the nearest replica while all queries of the request stay
 * sequentially consistent: a write then a read in one request sees the write.
 *
 * Across requests the bookmark carries a write: an API answer says
 * `X-D1-Bookmark: <bookmark>` (the latest point the request's session saw),
 * and a request that sends it back is answered from a replica at least that
 * fresh. Locally D1 has no replicas: the session and bookmark still work, every
 * read goes to the one database.
 */
export const BOOKMARK_HEADER = 'X-D1-Bookmark';

/**
 * A bookmark as D1 makes them (hex groups joined by dashes); anything else a
 * client sends is ignored rather than handed to D1, which would fail the request.
 */
const BOOKMARK = /^[0-9a-f]{1,64}(?:-[0-9a-f]{1,64}){0,7}$/i;

/** The bookmark a request carries, if it is one. */
export function bookmarkOf(req: Request): string | undefined {
  const sent = req.headers.get(BOOKMARK_HEADER)?.trim();
  return sent && sent.length <= 256 && BOOKMARK.test(sent) ? sent : undefined;
}

/**
 * Where a request's session starts: after the bookmark it carries; else a read
 * (GET, HEAD: listings, search, resource reads, delivery) may start at any
 * replica; a call that writes starts at the primary, so what it checks before
 * writing (an existing public id, a folder) is current.
 */
export function sessionStart(req: Request): string {
  const bookmark = bookmarkOf(req);
  if (bookmark) return bookmark;
  return req.method === 'GET' || req.method === 'HEAD' ? 'first-unconstrained' : 'first-primary';
}

interface Session {
  /** A database whose `prepare` and `batch` run in the session; `exec` (schema set-up) and a nested `withSession` go to the database itself. */
  db: D1Database;
  /** The latest bookmark the session saw, or null before its first query. */
  bookmark: () => string | null;
}

/** One session of `db` starting at `start`, shaped as the database the repositories take. */
export function sessionOf(db: D1Database, start: string): Session {
  const session = db.withSession(start);
  // Forwarding only: no SQL is written here.
  const facade: D1Database = {
    prepare: session.prepare.bind(session),
    batch: session.batch.bind(session),
    exec: db.exec.bind(db),
    withSession: db.withSession.bind(db),
    dump: db.dump.bind(db),
  };
  return { db: facade, bookmark: () => session.getBookmark() };
}
