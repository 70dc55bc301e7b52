import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/reporter/', import.meta.url));

/** Runs Vitest on some of the fixture files with the summary reporter, as `npm test` does; the closing line and the exit code. */
function run(...files: string[]) {
  const r = spawnSync(
    process.execPath,
    [
      `${root}node_modules/vitest/vitest.mjs`,
      'run',
      '--config',
      'vitest.config.mjs',
      '--reporter=dot',
      `--reporter=${root}scripts/summary-reporter.mjs`,
      ...files,
    ],
    { cwd: fixtures, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1', NO_COLOR: '1' } },
  );
  const lines = r.stdout.trim().split('\n');
  return { line: lines[lines.length - 1], code: r.status };
}

describe('the closing summary line of npm test', () => {
  it('reads green only for a run that passed', () => {
    expect(run('pass.check')).toEqual({ line: '2 passed, 0 failed, 1 skipped', code: 0 });
  });

  it.each([
    ['a failed test', 'failing-test.check', '1 passed, 1 failed'],
    ['a file that cannot load', 'broken-import.check', '0 passed, 1 failed'],
    ['a beforeAll hook that throws (its tests are skipped)', 'failing-hook.check', '0 passed, 1 failed, 2 skipped'],
    ['an error thrown outside any test', 'unhandled.check', '1 passed, 1 failed'],
  ])('counts %s as a failure, and the exit code agrees', (_what, file, line) => {
    expect(run(file)).toEqual({ line, code: 1 });
  });

  it('adds every kind of failure up in one run', () => {
    expect(run()).toEqual({ line: '4 passed, 4 failed, 3 skipped', code: 1 });
  });
});
