import { parseUntrustedJson } from '../util/safeJson.js';
import { RegimeModel } from './RegimeModel.js';

/**
 * Loads and fully validates a model file (JSON text or an already-parsed object) with
 * {@link RegimeModel.fromJSON}: known format and version, a valid feature set, shapes consistent
 * across features, scaler, forest and HMM, finite numbers, stochastic HMM rows and positive-definite
 * covariances, labels, provenance and report, names (labels, feature names, symbols, versions) at
 * most 64 characters without control characters. Text over 64 MiB is refused before it is parsed.
 * Anything else is refused with a `ModelValidationError` whose `path` names the field, e.g.
 * `hmm.transMat[1]` or `scaler.std`.
 *
 * @example
 * ```ts
 * const model = loadModel(readFileSync('model.json', 'utf8'));
 * const detector = createRegimeDetector({ model });
 * ```
 */
export function loadModel(jsonTextOrObject: string | unknown): RegimeModel {
  // fromJSON checks an object's nesting and keys; text is checked as it is parsed.
  return RegimeModel.fromJSON(
    typeof jsonTextOrObject === 'string' ? parseUntrustedJson(jsonTextOrObject) : jsonTextOrObject,
  );
}
