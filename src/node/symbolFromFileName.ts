/**
 * The symbol at the start of a Binance export's file name (`BTCUSDT-aggTrades-2026-01-01.zip` →
 * `BTCUSDT`), or `''` when the name does not look like one.
 *
 * @example
 * ```ts
 * symbolFromFileName('/data/ETHUSDT-1m-2024-01.csv.gz'); // 'ETHUSDT'
 * ```
 */
export function symbolFromFileName(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  return /^([A-Z0-9]{2,})-(?:aggTrades|trades|\d+[smhdwM])-/.exec(name)?.[1] ?? '';
}
