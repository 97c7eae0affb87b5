import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Bar } from '../../bars/bar.js';
import { FEATURE_SETS } from '../../features/featureSpec.js';
import { DEFAULT_DECISION_RULE, MAX_MIN_DWELL_BARS } from '../../models/decisionRule.js';
import { MAX_MODEL_STATES, type RegimeModel } from '../../models/RegimeModel.js';
import { trainModel } from '../../models/trainModel.js';
import type { MalformedLine } from '../../node/ReaderStats.js';
import { readKlines } from '../../node/readKlines.js';
import { printable } from '../printable.js';
import { requireRows } from '../requireRows.js';
import { UsageError } from '../UsageError.js';

/** How many malformed lines `train` quotes per file on stderr (the rest are only counted). */
const QUOTED_MALFORMED = 5;

/** Options of `microstream train`, as commander parses them. */
interface TrainFlags {
  out: string;
  seed: string;
  states: string;
  features: string;
  transPrior: string;
  contamination: string;
  margin: string;
  minDwell: string;
  covariance: 'full' | 'diag';
  maxIter: string;
  symbol?: string;
  quiet?: boolean;
}

/**
 * Registers `microstream train <klines files...> --out model.json`: reads every kline file as its
 * own sequence(s), trains a regime model with {@link trainModel}, writes it, and prints the report.
 * Progress (bars/s while reading, each EM iteration's log-likelihood) goes to stderr unless `--quiet`.
 *
 * @example
 * ```sh
 * microstream train BTCUSDT-1m-2024-*.csv.gz --out model.json --seed 0 --trans-prior 100
 * microstream train ALGOUSDT-1m-2024-09.csv.gz AVAXUSDT-1m-2024-02.csv.gz --out usdm.json --symbol USDM
 * ```
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a regime model (features, scaler, Isolation Forest, Gaussian HMM) on kline files')
    .argument('<klines...>', 'Binance kline files (.csv, .csv.gz, .zip); each is its own sequence')
    .requiredOption('--out <file>', 'where to write the model JSON')
    .option('--seed <n>', 'seed of the forest and the HMM initialisation', '0')
    .option('--states <n>', 'number of HMM states', '3')
    .option('--features <set>', `feature set: ${Object.keys(FEATURE_SETS).join(' | ')}`, 'default')
    .option(
      '--trans-prior <n>',
      'Dirichlet pseudo-count added to every transition row (stickier regimes)',
      '0',
    )
    .option('--contamination <p>', 'share of training bars the forest flags as anomalies', '0.05')
    .option(
      '--margin <m>',
      "decision rule stored in the model: the reported state changes when another state's filtered probability exceeds it by more than m (0 = argmax)",
      String(DEFAULT_DECISION_RULE.margin),
    )
    .option(
      '--min-dwell <bars>',
      'decision rule stored in the model: a newly reported state is held for at least this many bars (1 = no hold)',
      String(DEFAULT_DECISION_RULE.minDwellBars ?? 1),
    )
    .option('--covariance <type>', 'HMM covariance: full | diag', 'full')
    .option('--max-iter <n>', 'most EM iterations', '100')
    .option(
      '--symbol <s>',
      "symbol recorded in the model (default: the bars' symbol; several symbols joined by ',')",
    )
    .option('--quiet', 'no progress on stderr')
    .action(async (files: string[], flags: TrainFlags) => {
      // Every option is checked before any file is read: a mistake costs no training time.
      const options = trainOptions(files, flags);
      const progress = flags.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const sequences: Bar[][] = [];
      const started = performance.now();
      let total = 0;
      for (const file of files) {
        let firstMalformed: MalformedLine | undefined;
        let malformed = 0;
        const reader = readKlines(file, {
          onMalformed: (m) => {
            firstMalformed ??= m;
            malformed++;
            // The first few are quoted; a file of a million bad lines is not echoed line by line.
            if (malformed <= QUOTED_MALFORMED)
              progress(`${file}:${m.line}: skipped malformed line (${printable(m.reason)})`);
            else if (malformed === QUOTED_MALFORMED + 1)
              progress(`${file}: more malformed lines skipped (counted, not shown)`);
          },
        });
        const bars: Bar[] = [];
        for await (const bar of reader) {
          bars.push(bar);
          if (bars.length % 100_000 === 0) progress(readingLine(file, total + bars.length, started));
        }
        requireRows(file, reader.stats(), firstMalformed);
        if (malformed > QUOTED_MALFORMED) progress(`${file}: ${malformed} malformed lines skipped`);
        total += bars.length;
        progress(readingLine(file, total, started));
        sequences.push(bars);
      }
      const { model, report } = trainModel({
        bars: sequences,
        ...options,
        onProgress: (p) => {
          if (p.stage === 'features')
            progress(`features: ${p.sequences} sequences, ${p.bars} bars, ${p.trainingBars} warm`);
          else if (p.stage === 'forest') progress(`isolation forest: ${p.trees} trees`);
          else if (p.stage === 'hmm')
            progress(`EM iteration ${p.iteration}: log-likelihood ${p.logLikelihood.toFixed(3)}`);
          else progress('report: filtering the training data');
        },
      });
      writeFileSync(flags.out, `${JSON.stringify(model)}\n`);
      process.stdout.write(formatTrainingReport(model));
      process.stdout.write(
        `\nwrote ${flags.out} (${report.states.length} states, ${model.provenance.trainingBars} training bars)\n`,
      );
    });
}

function readingLine(file: string, bars: number, started: number): string {
  const seconds = (performance.now() - started) / 1000;
  return `reading ${file}: ${bars} bars, ${Math.round(bars / Math.max(seconds, 1e-3))} bars/s`;
}

/** The training options of the flags, or a {@link UsageError} saying which flag is wrong and why. */
function trainOptions(files: string[], flags: TrainFlags) {
  const quoted = (text: string) => `'${printable(text)}'`;
  const whole = (text: string, flag: string, min: number, max: number): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got ${quoted(text)}`);
    return n;
  };
  const real = (text: string, flag: string, ok: (n: number) => boolean, expected: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !ok(n))
      throw new UsageError(`${flag} expects ${expected}, got ${quoted(text)}`);
    return n;
  };
  const options = {
    seed: whole(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER),
    states: whole(flags.states, '--states', 2, MAX_MODEL_STATES),
    transPrior: real(flags.transPrior, '--trans-prior', (n) => n >= 0, 'a number ≥ 0'),
    contamination: real(
      flags.contamination,
      '--contamination',
      (n) => n > 0 && n <= 0.5,
      'a share in (0, 0.5]',
    ),
    maxIter: whole(flags.maxIter, '--max-iter', 1, 100_000),
    decision: {
      rule: 'hysteresis' as const,
      margin: real(flags.margin, '--margin', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      minDwellBars: whole(flags.minDwell, '--min-dwell', 1, MAX_MIN_DWELL_BARS),
    },
    features: flags.features,
    covariance: flags.covariance,
    symbol: flags.symbol,
  };
  if (!Object.hasOwn(FEATURE_SETS, flags.features))
    throw new UsageError(
      `--features expects one of ${Object.keys(FEATURE_SETS).join(', ')}, got ${quoted(flags.features)}`,
    );
  if (flags.covariance !== 'full' && flags.covariance !== 'diag')
    throw new UsageError(`--covariance expects full or diag, got ${quoted(flags.covariance)}`);
  if (flags.symbol !== undefined && !/^[\x21-\x7e]{1,64}$/.test(flags.symbol))
    throw new UsageError(`--symbol expects 1 to 64 printable characters, got ${quoted(flags.symbol)}`);
  for (const file of files) {
    const info = statSync(file, { throwIfNoEntry: false });
    if (info === undefined) throw new UsageError(`no such file: ${printable(file)}`);
    if (!info.isFile())
      throw new UsageError(`not a file: ${printable(file)} (expected a klines .csv, .csv.gz or .zip)`);
  }
  const out = resolve(flags.out);
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`--out ${printable(flags.out)} is a directory; give a file name such as model.json`);
  try {
    accessSync(dirname(out), constants.W_OK);
  } catch {
    throw new UsageError(
      `--out ${printable(flags.out)}: cannot write into ${printable(dirname(out))} (missing or not writable)`,
    );
  }
  return options;
}

/**
 * The training report as text: state means in feature units, transition matrix, dwell times,
 * shares, realized volatility per state with the Crisis/Stable ratio, anomaly threshold and rate.
 *
 * @example
 * ```ts
 * process.stdout.write(formatTrainingReport(defaultModel()));
 * ```
 */
export function formatTrainingReport(model: RegimeModel): string {
  const r = model.report;
  const p = model.provenance;
  const names = model.features.map((f) => f.name);
  const col = (s: string, w = 14) => s.padStart(w);
  const lines: string[] = [];
  lines.push(
    `${model.symbol} ${model.intervalMs / 60_000}m model — ${p.trainingBars} warm bars of ${p.bars} in ${p.sequences.length} sequences`,
    `features (${p.featureSet}): ${names.join(', ')}; seed ${p.seed}, ${p.covariance} covariance, transition prior ${p.transPrior}`,
    `EM: ${r.iterations} iterations, ${r.converged ? 'converged' : 'not converged'}, log-likelihood ${r.logLikelihoodPerBar.toFixed(4)} per bar`,
    `decision rule: ${model.decision.rule}, margin ${model.decision.margin}, minimum dwell ${model.decision.minDwellBars ?? 1} bars (shares and dwell below are of the reported state)`,
    '',
    `${'state'.padEnd(10)}${col('share')}${col('dwell (bars)')}${col('1/(1-a_kk)')}${col('realized vol')}${names.map((n) => col(n, Math.max(14, n.length + 2))).join('')}`,
  );
  r.states.forEach((s) => {
    lines.push(
      `${s.label.padEnd(10)}${col(`${(s.share * 100).toFixed(1)}%`)}${col(s.meanDwellBars.toFixed(1))}${col(s.expectedDwellBars.toFixed(1))}${col(`${(s.realizedVolatility * 1e4).toFixed(2)} bp`)}${names.map((n) => col(s.means[n].toPrecision(4), Math.max(14, n.length + 2))).join('')}`,
    );
  });
  lines.push('', 'transition matrix (row = from):');
  r.transitionMatrix.forEach((row, i) => {
    lines.push(`${r.states[i].label.padEnd(10)}${row.map((a) => col(a.toFixed(4), 10)).join('')}`);
  });
  const ratio = r.crisisToStableVolatility;
  lines.push(
    '',
    `realized volatility ${r.states[r.states.length - 1].label}/${r.states[0].label}: ${ratio.toFixed(2)}× (goal ≥ 3×: ${ratio >= 3 ? 'met' : 'NOT met'})`,
    `shortest mean dwell: ${r.minMeanDwellBars.toFixed(1)} bars (goal ≥ 10: ${r.minMeanDwellBars >= 10 ? 'met' : 'NOT met'})`,
    `anomaly threshold ${r.anomaly.threshold.toFixed(4)}, rate ${(r.anomaly.rate * 100).toFixed(2)}% of training bars`,
  );
  return `${lines.join('\n')}\n`;
}
