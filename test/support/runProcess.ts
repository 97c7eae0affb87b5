import { spawn } from 'node:child_process';

/** What {@link runProcess} resolves with, shaped like `spawnSync`'s result. */
export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/**
 * Runs a command to completion without blocking the test worker: `spawnSync` would freeze the
 * worker's event loop for the whole run, and vitest's worker-to-runner calls (with their fixed
 * 60 s timeout) then fail on a loaded machine although every test passed.
 *
 * @example
 * ```ts
 * const run = await runProcess('python3', ['scripts/golden_hmm.py', '--out', dir]);
 * expect(run.status, run.stderr).toBe(0);
 * ```
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (error) => resolve({ status: null, stdout, stderr, error }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
