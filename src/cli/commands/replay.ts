import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegimeModel } from '../../models/RegimeModel.js';
import { BUNDLED_SAMPLES } from '../../node/bundledSamples.js';
import { CsvLineTooLongError, csvBytes } from '../../node/csvBytes.js';
import type { MalformedLine } from '../../node/ReaderStats.js';
import { readAggTrades } from '../../node/readAggTrades.js';
import { readKlines } from '../../node/readKlines.js';
import { symbolFromFileName } from '../../node/symbolFromFileName.js';
import {
  createRegimeDetector,
  OUT_OF_RANGE_SIGMA,
  OUT_OF_RANGE_WINDOW,
  type RegimeDetector,
} from '../../pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../pipeline/signal.js';
import { modelOption } from '../modelOption.js';
import { printable } from '../printable.js';
import { requireRows } from '../requireRows.js';
import { BufferedStdout, Progress } from '../terminal.js';

/** Options of `microstream replay`, as commander parses them. */
interface ReplayFlags {
  model?: string;
  format: string;
  symbol?: string;
  quiet?: boolean;
}

/** How many malformed lines the summary quotes. */
const QUOTED = 5;

/**
 * What a Binance export holds, judged from its first line: a header naming kline columns
 * (`open_time`, `open`, …) or aggTrades columns (`agg_trade_id`, `price`, …), or, without a header,
 * the column count (12 for klines; 7 or 8 for aggTrades). Throws an error saying what was found
 * otherwise.
 *
 * @example
 * ```ts
 * await detectFileKind('BTCUSDT-1m-2024-12.csv.gz'); // 'klines'
 * ```
 */
export async function detectFileKind(path: string): Promise<'klines' | 'aggTrades'> {
  const pieces = csvBytes(path);
  let firstLine = '';
  let blankLines = 0;
  try {
    for await (const piece of pieces) {
      const text = new TextDecoder().decode(piece.subarray(0, 4096));
      const lines = text.split('\n');
      firstLine = lines.find((line) => line.trim() !== '') ?? '';
      if (firstLine !== '') break;
      blankLines += lines.length - 1;
    }
  } catch (error) {
    if (error instanceof CsvLineTooLongError) {
      throw new Error(
        `${path}: line ${blankLines + 1} is longer than ${error.maxLineBytes} bytes (no line break); not a CSV file?`,
      );
    }
    throw error;
  }
  await pieces.return(undefined);
  if (firstLine === '') throw new Error(`${printable(path)}: no rows (the file is empty)`);
  const fields = firstLine.split(',').map((f) => f.trim().replace(/^"|"$/g, '').toLowerCase());
  if (fields.length > 0 && Number.isNaN(Number(fields[0]))) {
    const names = new Set(fields.map((f) => f.replace(/[\s-]+/g, '_')));
    if (names.has('open') || names.has('open_time')) return 'klines';
    if (names.has('price') || names.has('agg_trade_id')) return 'aggTrades';
    throw new Error(
      `${path}: the header names neither kline columns (open_time, open, high, low, close, volume, …) nor aggTrades columns (agg_trade_id, price, quantity, …): ${printable(firstLine)}`,
    );
  }
  if (fields.length === 12) return 'klines';
  if (fields.length === 7 || fields.length === 8) return 'aggTrades';
  throw new Error(
    `${path}: the first line has ${fields.length} columns and no header; expected Binance klines (12 columns) or aggTrades (7 or 8)`,
  );
}

/**
 * One signal as a line of `--format table`: bar open time (UTC), close, regime, P(state) for every
 * state, anomaly score with `!` when flagged, `cold` during warm-up or `out` while the inputs are out
 * of the model's training range (`signal.outOfRange`), `*` when the regime changed.
 *
 * @example
 * ```ts
 * tableLine(signal); // '2024-12-05 14:31  98210.01  Crisis    0.00/0.03/0.97  -0.612 !       *'
 * ```
 */
export function tableLine(signal: RegimeSignal): string {
  const time = new Date(signal.bar.openTime).toISOString().slice(0, 16).replace('T', ' ');
  const p = signal.regime.probabilities.map((x) => x.toFixed(2)).join('/');
  return [
    time,
    signal.bar.close.toFixed(2).padStart(10),
    signal.regime.label.padEnd(9),
    p.padEnd(16),
    `${signal.anomaly.score.toFixed(3).padStart(7)} ${signal.anomaly.isAnomaly ? '!' : ' '}`,
    (signal.warm ? (signal.outOfRange ? 'out' : '') : 'cold').padEnd(4),
    signal.regime.changed ? '*' : '',
  ]
    .join('  ')
    .trimEnd();
}

/** The header of `--format table` for a model's labels. */
function tableHeader(labels: readonly string[]): string {
  return [
    'time (UTC)      ',
    '     close',
    'regime   ',
    `P(${labels.map((l) => l.slice(0, 1)).join('/')})`.padEnd(16),
    '  score  ',
    'warm',
    'changed',
  ].join('  ');
}

/**
 * Registers `microstream replay <klines|aggTrades file>`: replays a Binance export through a regime
 * detector and prints one signal per bar — NDJSON (one `RegimeSignal` per line) or a table for
 * reading. The file kind is taken from its columns: klines go through `pushBar`, aggTrades through
 * `pushTrade` (the last bar built from trades may be incomplete and is not signalled, as live).
 * Progress goes to stderr when it is a terminal; a summary (signals, warm-up, changes, anomalies,
 * malformed lines, rejected bars or trades) goes to stderr unless `--quiet`. A missing file or a
 * bad option exits with code 2.
 *
 * @example
 * ```sh
 * microstream replay BTCUSDT-1m-2024-12.csv.gz --format table | less
 * microstream replay trades.csv.gz --model my-model.json > signals.ndjson
 * ```
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay a Binance klines or aggTrades file through a regime detector: one signal per bar')
    .argument(
      '[file]',
      'klines or aggTrades file (.csv, .csv.gz, .zip), with or without a header row (default: the bundled BTCUSDT month)',
      BUNDLED_SAMPLES.klines,
    )
    .option('-m, --model <file>', 'model JSON (default: the bundled BTCUSDT 1-minute model)')
    .option('-f, --format <format>', 'ndjson (one RegimeSignal per line) or table', 'ndjson')
    .option('-s, --symbol <symbol>', 'symbol of the signals (default: from the file name)')
    .option('-q, --quiet', 'nothing on stderr: no progress, no summary')
    .action(async (file: string, flags: ReplayFlags, command: Command) => {
      const usageError = (message: string) => command.error(`error: ${message}`, { exitCode: 2 });
      if (flags.format !== 'ndjson' && flags.format !== 'table') {
        usageError(`bad format ${JSON.stringify(flags.format)}: use ndjson or table`);
      }
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat) usageError(`no such file: ${file}`);
      else if (!stat.isFile()) usageError(`not a file: ${file}`);
      const model = modelOption(flags.model, usageError);
      try {
        await replay(file, model, flags);
      } catch (error) {
        command.error(`error: ${(error as Error).message}`, { exitCode: 1 });
      }
    });
}

async function replay(file: string, model: RegimeModel, flags: ReplayFlags): Promise<void> {
  const kind = await detectFileKind(file);
  const symbol = flags.symbol ?? symbolFromFileName(file);
  const malformed: MalformedLine[] = [];
  const onMalformed = (m: MalformedLine) => {
    if (malformed.length < QUOTED) malformed.push(m);
  };
  const rejected: string[] = [];
  const detector = createRegimeDetector({
    model,
    symbol,
    onReject: (reason, trade, detail) => {
      if (rejected.length < QUOTED) rejected.push(`${reason} trade ${trade.id ?? ''}: ${detail}`);
    },
    onRejectBar: (reason, bar, detail) => {
      if (rejected.length < QUOTED) rejected.push(`${reason} bar ${bar.openTime}: ${detail}`);
    },
  });
  const out = new BufferedStdout();
  const format = flags.format === 'table' ? tableLine : (s: RegimeSignal) => JSON.stringify(s);
  if (flags.format === 'table') out.line(tableHeader(model.labels));
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true, 'signals');
  let rows = 0;
  const emit = (signals: readonly RegimeSignal[]) => {
    for (const s of signals) out.line(format(s));
    return ++rows % 16_384 === 0;
  };
  const pause = async () => {
    progress.update(rows, detector.stats().signals);
    await out.drained();
  };
  let read: () => { rows: number; malformed: number };
  if (kind === 'klines') {
    const reader = readKlines(file, { symbol, onMalformed });
    read = () => reader.stats();
    for await (const bar of reader) if (emit(detector.pushBar(bar))) await pause();
    for (const s of detector.flush()) out.line(format(s));
  } else {
    const reader = readAggTrades(file, { symbol, onMalformed });
    read = () => reader.stats();
    for await (const trade of reader) if (emit(detector.pushTrade(trade))) await pause();
  }
  await out.end();
  progress.clear();
  requireRows(file, read(), malformed[0]);
  if (!flags.quiet)
    process.stderr.write(summary(file, kind, detector, read(), malformed, rejected, progress));
}

function summary(
  file: string,
  kind: 'klines' | 'aggTrades',
  detector: RegimeDetector,
  read: { rows: number; malformed: number },
  malformed: MalformedLine[],
  rejected: string[],
  progress: Progress,
): string {
  const s = detector.stats();
  const seconds = progress.seconds();
  const rejectedCount =
    kind === 'klines'
      ? (s.bars?.duplicates ?? 0) + (s.bars?.outOfOrder ?? 0) + (s.bars?.invalid ?? 0)
      : s.rejectedTrades.duplicate + s.rejectedTrades.late + s.rejectedTrades.invalid;
  const lines = [
    `microstream replay: ${file} (${kind}): ${read.rows} rows → ${s.signals} signals in ${seconds.toFixed(2)} s` +
      ` (${Math.round(read.rows / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s)`,
    `  ${s.coldBars} cold (warm-up ${detector.warmUp} bars${s.restarts > 0 ? `, ${s.restarts} restarts after long holes` : ''}),` +
      ` ${s.gapBars} gap bars, ${s.regimeChanges} regime changes, ${s.anomalies} anomalies`,
    `  out of range: ${s.outOfRangeBars} warm bars with a feature beyond ${OUT_OF_RANGE_SIGMA}σ of the model's training data` +
      ` (${((100 * s.outOfRangeBars) / Math.max(s.signals - s.coldBars, 1)).toFixed(1)} %)` +
      (s.outOfRange
        ? `; most of the last ${OUT_OF_RANGE_WINDOW} bars are: this market is unlike the model's training data, its regimes mean little here`
        : ''),
    `  malformed lines: ${read.malformed}; rejected ${kind === 'klines' ? 'bars' : 'trades'}: ${rejectedCount}`,
    ...malformed.map((m) => `    line ${m.line}: ${printable(m.reason)}`),
    ...rejected.map((r) => `    ${printable(r)}`),
  ];
  if (kind === 'aggTrades' && s.trades !== null && s.trades.accepted > 0)
    lines.push('  the last bar may be incomplete (trades of its minute may follow) and was not signalled');
  return `${lines.join('\n')}\n`;
}
