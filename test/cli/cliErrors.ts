import { vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/runCli.js';

/**
 * Runs the CLI in this process (as `microstream ...args`) and returns its exit code and what it
 * wrote to stderr and stdout. In-process, so a test of many bad command lines stays fast.
 */
export async function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    });
  try {
    const code = await runCli(createProgram(), ['node', 'microstream', ...args]);
    return { code, stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}
