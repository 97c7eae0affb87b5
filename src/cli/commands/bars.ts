import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { BarAggregator } from '../../bars/BarAggregator.js';
import type { Bar } from '../../bars/bar.js';
import { KLINE_COLUMNS } from '../../bars/binanceKline.js';
import { BUNDLED_SAMPLES } from '../../node/bundledSamples.js';
import type { MalformedLine } from '../../node/ReaderStats.js';
import { readAggTrades } from '../../node/readAggTrades.js';
import { symbolFromFileName } from '../../node/symbolFromFileName.js';
import { printable } from '../printable.js';
import { requireRows } from '../requireRows.js';
import { BufferedStdout, Progress } from '../terminal.js';

/** Options of `microstream bars`, as commander parses them. */
interface BarsFlags {
  interval: string;
  format: string;
  symbol?: string;
  partial?: boolean;
  header: boolean;
  quiet?: boolean;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** How many malformed lines and rejected trades the summary quotes. */
const QUOTED = 5;

/**
 * The length of a bar interval written like Binance's (`1s`, `15s`, `1m`, `5m`, `1h`, `4h`, `1d`)
 * in ms, from 1 second to 1 day; throws a `RangeError` saying what is accepted otherwise.
 *
 * @example
 * ```ts
 * parseInterval('5m'); // 300000
 * ```
 */
export function parseInterval(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!(ms >= 1_000 && ms <= 86_400_000)) {
    throw new RangeError(
      `bad interval ${JSON.stringify(text)}: use a number and a unit s, m, h or d, from 1s to 1d (e.g. 1s, 1m, 5m, 1h, 1d)`,
    );
  }
  return ms;
}

/**
 * A bar as a line of Binance's kline CSV: its 12 columns in its order, prices and volumes with
 * 8 decimals as Binance's spot exports write them, times in ms, `ignore` 0.
 *
 * @example
 * ```ts
 * klineCsvLine(bar); // '1767225600000,87648.21000000,87648.22000000,…,1193,…,0'
 * ```
 */
export function klineCsvLine(bar: Bar): string {
  return [
    bar.openTime,
    bar.open.toFixed(8),
    bar.high.toFixed(8),
    bar.low.toFixed(8),
    bar.close.toFixed(8),
    bar.volume.toFixed(8),
    bar.closeTime,
    (bar.quoteVolume ?? 0).toFixed(8),
    bar.trades ?? 0,
    (bar.takerBuyVolume ?? 0).toFixed(8),
    (bar.takerBuyQuoteVolume ?? 0).toFixed(8),
    0,
  ].join(',');
}

/**
 * Registers `microstream bars <aggTrades file>`: aggregates a Binance aggTrades export (or any
 * aggTrades CSV, see `readAggTrades`) into bars with {@link BarAggregator} and prints them to
 * stdout — as CSV in Binance's kline column order, so the output diffs against Binance's own
 * klines, or as NDJSON. The last bar is incomplete (its interval may go on after the file ends)
 * and is printed only with `--partial`. Progress (rows/s) goes to stderr when it is a terminal,
 * and a summary of malformed lines and rejected trades goes to stderr unless `--quiet`.
 * A missing file or a bad `--interval`/`--format` exits with code 2.
 *
 * @example
 * ```sh
 * microstream bars BTCUSDT-aggTrades-2026-01-01.zip --interval 5m > BTCUSDT-5m.csv
 * ```
 */
export function registerBarsCommand(program: Command): void {
  program
    .command('bars')
    .description("aggregate a Binance aggTrades file into bars (Binance's kline columns, or NDJSON)")
    .argument(
      '[file]',
      'aggTrades file: .csv, .csv.gz or .zip, with or without a header row (default: the bundled 12 minutes of BTCUSDT)',
      BUNDLED_SAMPLES.aggTrades,
    )
    .option('-i, --interval <interval>', 'bar interval from 1s to 1d: 1s, 15s, 1m, 5m, 1h, 4h, 1d, …', '1m')
    .option('-f, --format <format>', "csv (Binance's kline columns) or ndjson (one Bar per line)", 'csv')
    .option(
      '-s, --symbol <symbol>',
      'symbol of the bars (default: from the file name, e.g. BTCUSDT-aggTrades-…)',
    )
    .option('--partial', 'also print the last bar, although its interval may be incomplete')
    .option('--no-header', 'csv without the header row (as in Binance spot exports)')
    .option('-q, --quiet', 'nothing on stderr: no progress, no summary')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  microstream bars BTCUSDT-aggTrades-2026-01-01.zip > BTCUSDT-1m-2026-01-01.csv\n' +
        '  microstream bars trades.csv.gz --interval 5m --format ndjson --symbol ETHUSDT\n',
    )
    .action(async (file: string, flags: BarsFlags, command: Command) => {
      const usageError = (message: string) => command.error(`error: ${message}`, { exitCode: 2 });
      let intervalMs = 0;
      try {
        intervalMs = parseInterval(flags.interval);
      } catch (error) {
        usageError((error as Error).message);
      }
      if (flags.format !== 'csv' && flags.format !== 'ndjson') {
        usageError(`bad format ${JSON.stringify(flags.format)}: use csv or ndjson`);
      }
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat) usageError(`no such file: ${file}`);
      else if (!stat.isFile())
        usageError(`not a file: ${file} (expected an aggTrades .csv, .csv.gz or .zip)`);
      try {
        await printBars(file, intervalMs, flags);
      } catch (error) {
        command.error(`error: ${(error as Error).message}`, { exitCode: 1 });
      }
    });
}

async function printBars(file: string, intervalMs: number, flags: BarsFlags): Promise<void> {
  const symbol = flags.symbol ?? symbolFromFileName(file);
  const malformed: MalformedLine[] = [];
  const rejected: string[] = [];
  const trades = readAggTrades(file, {
    symbol,
    onMalformed: (m) => {
      if (malformed.length < QUOTED) malformed.push(m);
    },
  });
  const aggregator = new BarAggregator({
    symbol,
    intervalMs,
    onReject: (reason, trade, detail) => {
      if (rejected.length < QUOTED) rejected.push(`${reason} trade ${trade.id ?? ''}: ${detail}`);
    },
  });
  const out = new BufferedStdout();
  const format = flags.format === 'csv' ? klineCsvLine : (bar: Bar) => JSON.stringify(bar);
  if (flags.format === 'csv' && flags.header) out.line(KLINE_COLUMNS.join(','));
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true, 'bars');
  let printed = 0;
  let rows = 0;
  for await (const trade of trades) {
    for (const bar of aggregator.push(trade)) {
      out.line(format(bar));
      printed++;
    }
    if (++rows % 65_536 === 0) {
      progress.update(rows, printed);
      await out.drained();
    }
  }
  const last = aggregator.flush();
  if (flags.partial) for (const bar of last) out.line(format(bar));
  await out.end();
  progress.clear();
  requireRows(file, trades.stats(), malformed[0]);
  if (flags.quiet) return;

  const stats = aggregator.stats();
  const read = trades.stats();
  const seconds = progress.seconds();
  const lines = [
    `microstream bars: ${read.rows} trades → ${printed + (flags.partial ? last.length : 0)} bars printed` +
      ` (${stats.gapBars} gap bars, ${stats.skippedGapBars} empty intervals skipped) in ${seconds.toFixed(2)} s` +
      ` (${Math.round(read.rows / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s)`,
    `  malformed lines: ${read.malformed}; rejected trades: ${stats.duplicates + stats.late + stats.invalid}` +
      ` (duplicate ${stats.duplicates}, late ${stats.late}, invalid ${stats.invalid})`,
    ...malformed.map((m) => `    line ${m.line}: ${printable(m.reason)}`),
    ...rejected.map((r) => `    ${printable(r)}`),
  ];
  if (!flags.partial && last.length > 0) {
    const openTime = new Date(last[last.length - 1].openTime).toISOString();
    lines.push(`  last bar ${openTime} may be incomplete and was not printed (--partial prints it)`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
