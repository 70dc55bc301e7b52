// Prints one closing line, "N passed, N failed[, N skipped]", that CI reads in any language.
//
// "failed" counts every failure Vitest knows, not only failed tests: a test file
// that could not load or run (its import threw, a worker died), a beforeAll or
// afterAll hook that threw (its tests are reported as skipped, yet the run
// failed), and errors thrown outside any test. A run Vitest ends as failed or
// interrupted never reads "0 failed", and a run with failures always exits
// non-zero.

/** Counts of a finished run, from Vitest's reported modules, its unhandled errors and why the run ended. */
export function summarize(testModules, unhandledErrors = [], reason = 'passed') {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const mod of testModules) {
    let failedTests = 0;
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') failedTests++;
      else counts.skipped++;
    }
    counts.failed += failedTests;
    // Errors of the file itself and of its suites' hooks: each is a failure of its own.
    let outside = mod.errors().length;
    for (const suite of mod.children.allSuites()) outside += suite.errors().length;
    // A file Vitest marks failed with nothing else to show for it still failed once.
    if (outside === 0 && failedTests === 0 && mod.state() === 'failed') outside = 1;
    counts.failed += outside;
  }
  counts.failed += unhandledErrors.length;
  if (counts.failed === 0 && reason !== 'passed') counts.failed = 1;
  return counts;
}

export const summaryLine = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const counts = summarize(testModules, unhandledErrors, reason);
    // The exit code agrees with the line, whatever else decided it.
    if (counts.failed > 0) process.exitCode = 1;
    process.stdout.write(`\n${summaryLine(counts)}\n`);
  }
}
