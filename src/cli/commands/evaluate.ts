import { statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { EvaluationSpan } from '../../evaluation/EvaluationSpan.js';
import { evaluateSignals } from '../../evaluation/evaluateSignals.js';
import { loadChartRenderer } from '../evaluate/charts.js';
import { evaluationRows, formatTable } from '../evaluate/evaluationTable.js';
import type { ReplaySeries } from '../evaluate/replaySeries.js';
import { replaySeries } from '../evaluate/replaySeries.js';
import {
  trainingRecipe,
  type WalkForwardSplit,
  WalkForwardTrainer,
  walkForwardSplits,
} from '../evaluate/walkForward.js';
import { writeEvaluationReport } from '../evaluate/writeReport.js';
import { modelOption } from '../modelOption.js';
import { requireRows } from '../requireRows.js';

/** Options of `microstream evaluate`, as commander parses them. */
interface EvaluateFlags {
  out?: string;
  json?: string;
  model?: string;
  walkForward?: boolean;
  train?: string[];
  maxIter: string;
  horizon: string;
  halfLife: string;
  topDays: string;
  quiet?: boolean;
}

/**
 * Registers `microstream evaluate <klines files...>`: replays each kline file through its own
 * regime detector and judges the regimes as a bot would need them, file by file and pooled, next
 * to a causal EWMA baseline on the same bars ({@link evaluateSignals}): state shares, switches per
 * day, short runs and A-B-A flips, concurrent and forward Crisis/Stable volatility, forward-vol
 * ROC AUC, onset lag, anomaly rate. Prints the table; `--json` writes the numbers, `--out` an HTML
 * report with charts (needs the optional peer dependencies `vega` and `vega-lite`).
 *
 * Walk-forward: `--walk-forward` evaluates each file with a model trained on all the other files
 * (leave one file out); `--train <files…>` evaluates every file with a model trained on those. The
 * models are trained with {@link trainModel} and the recipe of `--model` (feature set, states,
 * covariance, contamination, transition prior, seed). Progress goes to stderr unless `--quiet`.
 *
 * @example
 * ```sh
 * microstream evaluate BTCUSDT-1m-2024-*.csv.gz --out report/ && open report/index.html
 * microstream evaluate BTCUSDT-1m-*.csv.gz --walk-forward --json skill.json
 * microstream evaluate ETHUSDT-1m-2024-*.csv.gz --train BTCUSDT-1m-*.csv.gz --max-iter 200
 * ```
 */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'judge a model on kline files (shares, flicker, contrast, forward-vol AUC vs an EWMA baseline); optionally walk-forward, with an HTML report',
    )
    .argument('<klines...>', 'Binance kline files (.csv, .csv.gz, .zip); each is replayed on its own')
    .option('-o, --out <dir>', 'write index.html, the SVG charts and summary.json to this directory')
    .option('--json <file>', 'write every figure (per file and pooled) as JSON')
    .option('-m, --model <file>', 'model JSON (default: the bundled BTCUSDT 1-minute model)')
    .option(
      '--walk-forward',
      "evaluate each file with a model trained on the other files (the model's recipe)",
    )
    .option(
      '--train <files...>',
      "evaluate every file with a model trained on these files (the model's recipe)",
    )
    .option('--max-iter <n>', 'most EM iterations of walk-forward training', '100')
    .option('--horizon <bars>', 'forward window of the volatility to predict', '60')
    .option('--half-life <bars>', 'half-life of the EWMA baseline', '30')
    .option('--top-days <n>', 'how many days with the most Crisis minutes to show', '5')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Figures (warm bars only; gap bars are labelled bars, their returns are not observations):
  shares          warm bars per state
  switches/day    state changes between consecutive warm bars per day of warm bars
  runs ≤3         share of runs (same-state stretches) of at most 3 bars
  A-B-A           share of interior runs that are that short and return to the state before
  Crisis/Stable   realized volatility √(mean r²) of Crisis bars over Stable bars (concurrent)
  fwd vol ratio   the same with the realized volatility of the next --horizon bars
  fwd AUC         ROC AUC of the regime score Σ k·p_k for forward volatility in the file's top decile
  (EWMA)          the same for a causal EWMA of r² (--half-life) on the same bars; its ratio cuts
                  it into the model's state shares
  onset lag       bars from the start of a top-decile episode to the first Crisis label (median/mean,
                  episodes with one within --horizon bars)
  anomalies       anomaly flags per warm bar
  out of range    warm bars on which the detector said its inputs were outside the model's range`,
    )
    .action(async (files: string[], flags: EvaluateFlags, command: Command) => {
      const usageError = (message: string) => command.error(`error: ${message}`, { exitCode: 2 });
      for (const file of [...files, ...(flags.train ?? [])]) {
        const stat = statSync(file, { throwIfNoEntry: false });
        if (!stat?.isFile()) usageError(`no such file: ${file}`);
      }
      const whole = (text: string, flag: string, min: number) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < min)
          usageError(`${flag} expects a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
        return n;
      };
      const topDays = whole(flags.topDays, '--top-days', 0);
      const maxIter = whole(flags.maxIter, '--max-iter', 1);
      const horizonBars = whole(flags.horizon, '--horizon', 1);
      const ewmaHalfLifeBars = Number(flags.halfLife);
      if (!(ewmaHalfLifeBars > 0)) usageError(`--half-life expects a number > 0, got ${flags.halfLife}`);
      if (flags.walkForward && flags.train) usageError('give --walk-forward or --train, not both');
      let splits: WalkForwardSplit[] | undefined;
      try {
        if (flags.walkForward || flags.train) splits = walkForwardSplits(files, flags.train);
      } catch (error) {
        usageError((error as Error).message);
      }
      const model = modelOption(flags.model, usageError);
      const progress = flags.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      try {
        if (flags.out !== undefined) await loadChartRenderer();
        const started = performance.now();
        const trainer = splits && new WalkForwardTrainer(trainingRecipe(model, maxIter));
        const data = await replaySeries(
          files,
          (_, i) => (trainer && splits ? trainer.model(splits[i].train, progress) : model),
          (file, bars) => progress(`replaying ${file}: ${bars} bars`),
        );
        for (const f of data.files)
          requireRows(f.file, { rows: f.close.length, malformed: f.malformed.count }, f.malformed.quoted[0]);
        const evaluation = evaluateSignals(
          data.files.map((s) => evaluationSpan(s, model.hmm.nStates, model.intervalMs)),
          { horizonBars, ewmaHalfLifeBars, labels: model.labels },
        );
        const { header, rows } = evaluationRows(evaluation);
        process.stdout.write(
          `${splits ? (flags.train ? 'walk-forward (trained on --train files)' : 'walk-forward (leave one file out)') : 'one model for every file'}; in brackets: the EWMA baseline (half-life ${ewmaHalfLifeBars} bars) on the same bars\n`,
        );
        process.stdout.write(formatTable(header, rows, 'text'));
        const splitRows = splits?.map((s) => ({ test: s.test, train: s.train }));
        if (flags.json !== undefined) {
          const json = { mode: modeName(flags), splits: splitRows ?? null, ...evaluation };
          writeFileSync(flags.json, `${JSON.stringify(json, null, 2)}\n`);
          progress(`wrote ${flags.json}`);
        }
        if (flags.out !== undefined) {
          const summary = await writeEvaluationReport(
            { model, ...data, evaluation, splits: splitRows },
            flags.out,
            { topDays, onChart: (name) => progress(`chart ${name}`) },
          );
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          progress(
            `wrote ${join(flags.out, 'index.html')} (${summary.charts.length} charts, ${summary.files.length} files) in ${seconds} s`,
          );
        }
      } catch (error) {
        command.error(`error: ${(error as Error).message}`, { exitCode: 1 });
      }
    });
}

function modeName(flags: EvaluateFlags): string {
  if (flags.train) return 'train-test';
  return flags.walkForward ? 'leave-one-file-out' : 'fixed-model';
}

/** The columns of a replayed file that {@link evaluateSignals} reads. */
function evaluationSpan(s: ReplaySeries, states: number, intervalMs: number): EvaluationSpan {
  return {
    name: basename(s.file).replace(/\.(csv\.gz|csv|zip)$/, ''),
    intervalMs,
    states,
    close: s.close,
    state: s.state,
    score: s.regimeScore,
    anomaly: s.anomaly,
    gap: s.gap,
    outOfRange: s.outOfRange,
  };
}
