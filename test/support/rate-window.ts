/**
 * The rate-limiting bindings count in fixed windows aligned to the wall clock
 * (one minute here). A test that makes N requests and expects the next one to
 * be refused must not straddle a window's edge, or the count starts again
 * midway: this waits, when the current minute has less than `room` left, for
 * the next one to begin.
 */
export async function roomInRateWindow(room = 30_000, windowMs = 60_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < room) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
