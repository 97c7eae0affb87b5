import bundled from '../../models/btcusdt-1m.json' with { type: 'json' };
import { loadModel } from './loadModel.js';
import type { RegimeModel } from './RegimeModel.js';

let cached: RegimeModel | undefined;

/**
 * The bundled BTCUSDT 1-minute model (`models/btcusdt-1m.json`), trained on every Binance spot
 * BTCUSDT 1-minute span of the project's data set; see its `provenance` and `report`. Parsed and
 * validated once, on first use; every call returns the same immutable instance.
 *
 * @example
 * ```ts
 * const model = defaultModel();
 * model.labels;                          // ['Stable', 'Volatile', 'Crisis']
 * model.report.crisisToStableVolatility; // realized volatility ratio on the training data
 * ```
 */
export function defaultModel(): RegimeModel {
  cached ??= loadModel(bundled);
  return cached;
}
