import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadChartRenderer } from '../../node/evaluate/charts.js';
import { replaySeries } from '../../node/evaluate/replaySeries.js';
import { writeEvaluationReport } from '../../node/evaluate/writeReport.js';
import { modelOption } from '../modelOption.js';

/** Options of `microstream evaluate`, as commander parses them. */
interface EvaluateFlags {
  out: string;
  model?: string;
  topDays: string;
  quiet?: boolean;
}

/**
 * Registers `microstream evaluate <klines files...> --out report/`: replays each kline file through
 * its own regime detector and writes an HTML report with SVG charts (price over regime-coloured
 * background, anomaly score with threshold, stacked regime probabilities per file; per-state
 * statistics; the days with the most Crisis minutes, each with a full-resolution chart) and a
 * `summary.json` of every figure. The charts need the optional peer dependencies `vega` and
 * `vega-lite`. Progress goes to stderr unless `--quiet`.
 *
 * @example
 * ```sh
 * microstream evaluate BTCUSDT-1m-2024-*.csv.gz --out report/ && open report/index.html
 * ```
 */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('replay kline files and write an HTML report with charts of regimes and anomalies')
    .argument('<klines...>', 'Binance kline files (.csv, .csv.gz, .zip); each is replayed on its own')
    .requiredOption('-o, --out <dir>', 'directory for index.html, the SVG charts and summary.json')
    .option('-m, --model <file>', 'model JSON (default: the bundled BTCUSDT 1-minute model)')
    .option('--top-days <n>', 'how many days with the most Crisis minutes to show', '5')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (files: string[], flags: EvaluateFlags, command: Command) => {
      const usageError = (message: string) => command.error(`error: ${message}`, { exitCode: 2 });
      for (const file of files) {
        const stat = statSync(file, { throwIfNoEntry: false });
        if (!stat?.isFile()) usageError(`no such file: ${file}`);
      }
      const topDays = Number(flags.topDays);
      if (!Number.isInteger(topDays) || topDays < 0)
        usageError(`--top-days expects a whole number ≥ 0, got ${JSON.stringify(flags.topDays)}`);
      const model = modelOption(flags.model, usageError);
      const progress = flags.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      try {
        await loadChartRenderer();
        const started = performance.now();
        const data = await replaySeries(files, model, (file, bars) =>
          progress(`replaying ${file}: ${bars} bars`),
        );
        const summary = await writeEvaluationReport({ model, ...data }, flags.out, {
          topDays,
          onChart: (name) => progress(`chart ${name}`),
        });
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        progress(
          `wrote ${join(flags.out, 'index.html')} (${summary.charts.length} charts, ${summary.files.length} files) in ${seconds} s`,
        );
      } catch (error) {
        command.error(`error: ${(error as Error).message}`, { exitCode: 1 });
      }
    });
}
