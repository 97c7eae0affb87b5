import { defaultModel } from '../models/defaultModel.js';
import type { RegimeModel } from '../models/RegimeModel.js';
import { readModelFile } from '../node/readModelFile.js';

/**
 * The model a `--model` flag names, or the bundled BTCUSDT model when it names none. A file that
 * cannot be read, is not a regular file, is over 64 MiB or fails validation goes to `fail` with
 * the reason (which names the field).
 *
 * @example
 * ```ts
 * const model = modelOption(flags.model, (message) => command.error(`error: ${message}`, { exitCode: 2 }));
 * ```
 */
export function modelOption(path: string | undefined, fail: (message: string) => never): RegimeModel {
  if (path === undefined) return defaultModel();
  try {
    return readModelFile(path);
  } catch (error) {
    return fail(`cannot load the model ${path}: ${(error as Error).message}`);
  }
}
