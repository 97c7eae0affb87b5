import { join } from 'node:path';
import { packageRoot } from './packageRoot.js';

/**
 * The real Binance data shipped in the package, so that the CLI and the dashboard run without
 * network or files of your own: a month of BTCUSDT 1-minute klines (2024-11-30 to 2024-12-29,
 * 41 761 bars) and twelve minutes of BTCUSDT aggregate trades (2026-01-01 00:00–00:12, 5 000 trades).
 *
 * @example
 * ```ts
 * for await (const bar of readKlines(BUNDLED_SAMPLES.klines)) console.log(bar.close);
 * ```
 */
export const BUNDLED_SAMPLES = {
  klines: join(packageRoot(), 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz'),
  aggTrades: join(packageRoot(), 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv'),
} as const;
