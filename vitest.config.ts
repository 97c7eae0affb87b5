import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Sized for a loaded two-core machine. Vitest's calls from a worker to the runner (e.g.
 * `onTaskUpdate`) time out after a fixed 60 s; a test that blocks its worker's event loop for
 * that long (a `spawnSync` of a slow child, a long synchronous fit) makes the run exit 1 with
 * `[vitest-worker]: Timeout calling "onTaskUpdate"` although every test passed. So: slow child
 * processes (training, the Python goldens, evaluate) run through `test/support/runProcess.ts`
 * (async; the few left synchronous take seconds), long suites are kept short, one
 * worker per core minus one for the runner (vitest's default for forks, stated here), and
 * generous test, hook and teardown timeouts for a machine shared with other work.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: Math.max(1, availableParallelism() - 1) } },
  },
});
