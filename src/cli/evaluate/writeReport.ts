import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SignalEvaluation } from '../../evaluation/SignalEvaluation.js';
import type { RegimeDecisionRule } from '../../models/decisionRule.js';
import type { RegimeModel } from '../../models/RegimeModel.js';
import { daySpec, overviewSpec, renderSvg, STATE_COLOURS, statesSpec } from './charts.js';
import { evaluationRows } from './evaluationTable.js';
import type { ReplaySeries } from './replaySeries.js';
import type { StateSummary } from './StateStatistics.js';
import { skillSpec } from './skillCharts.js';

const DAY_MS = 86_400_000;

/**
 * A UTC day with Crisis bars (the last, most volatile state).
 *
 * @example
 * ```ts
 * for (const d of report.crisisDays) console.log(d.date, d.crisisBars, d.chart);
 * ```
 */
export interface CrisisDay {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  file: string;
  /** Warm bars of the day in the Crisis state. */
  crisisBars: number;
  anomalies: number;
  /** ln(last close / first close) of the day. */
  logReturn: number;
  /** Chart file, relative to the report directory. */
  chart: string;
}

/**
 * What {@link writeEvaluationReport} wrote (also saved as `summary.json` beside `index.html`).
 *
 * @example
 * ```ts
 * const summary: EvaluationSummary = JSON.parse(readFileSync('report/summary.json', 'utf8'));
 * ```
 */
export interface EvaluationSummary {
  model: {
    symbol: string;
    intervalMs: number;
    features: string[];
    labels: string[];
    threshold: number;
    /** The decision rule a detector of the model reports states with. */
    decision: RegimeDecisionRule;
  };
  /** Per-state statistics over every file. */
  states: StateSummary[];
  /** Forward-skill figures per file and pooled, next to the EWMA baseline ({@link evaluateSignals}). */
  evaluation: SignalEvaluation;
  /** Walk-forward: the files each evaluated file's model was trained on; null for one model. */
  splits: { test: string; train: string[] }[] | null;
  files: {
    file: string;
    symbol: string;
    signals: number;
    coldBars: number;
    gapBars: number;
    regimeChanges: number;
    anomalies: number;
    malformedLines: number;
    /** Anomaly threshold of the file's model. */
    threshold: number;
    states: StateSummary[];
    chart: string;
  }[];
  crisisDays: CrisisDay[];
  /** Every file the report references, relative to its directory. */
  charts: string[];
}

/**
 * Writes the evaluation report of replayed kline files to `outDir`: `index.html` with the
 * forward-skill table and charts (model next to the EWMA baseline, per file and pooled), one SVG
 * chart per file (price over regime-coloured background, anomaly score with threshold, stacked
 * regime probabilities), a per-state chart, one small full-resolution chart per top Crisis day,
 * and `summary.json` with every figure of the page. With walk-forward `splits`, each file was
 * replayed with its own model; `model` is the one whose recipe they were trained with.
 *
 * @example
 * ```ts
 * const { files, states } = await replaySeries(paths, () => model);
 * const evaluation = evaluateSignals(spansOf(files));
 * await writeEvaluationReport({ model, files, states, evaluation }, 'report', { topDays: 5 });
 * ```
 */
export async function writeEvaluationReport(
  data: {
    model: RegimeModel;
    files: ReplaySeries[];
    states: StateSummary[];
    evaluation: SignalEvaluation;
    splits?: { test: string; train: string[] }[];
  },
  outDir: string,
  options: { topDays?: number; onChart?: (file: string) => void } = {},
): Promise<EvaluationSummary> {
  const { model, files, states, evaluation } = data;
  const labels = model.labels;
  mkdirSync(outDir, { recursive: true });
  const charts: string[] = [];
  const write = async (name: string, svg: Promise<string>) => {
    writeFileSync(join(outDir, name), await svg);
    charts.push(name);
    options.onChart?.(name);
    return name;
  };

  await write('skill.svg', renderSvg(skillSpec(evaluation)));
  await write('states.svg', renderSvg(statesSpec(states)));
  const fileRows: EvaluationSummary['files'] = [];
  for (const [i, s] of files.entries()) {
    const chart = await write(
      `file-${i + 1}.svg`,
      renderSvg(overviewSpec(s, labels, s.threshold, model.intervalMs)),
    );
    fileRows.push({
      file: s.file,
      symbol: s.symbol,
      signals: s.stats.signals,
      coldBars: s.stats.coldBars,
      gapBars: s.stats.gapBars,
      regimeChanges: s.stats.regimeChanges,
      anomalies: s.stats.anomalies,
      malformedLines: s.malformed.count,
      threshold: s.threshold,
      states: s.states,
      chart,
    });
  }

  const crisisDays: CrisisDay[] = [];
  for (const day of topCrisisDays(files, labels.length - 1, options.topDays ?? 5)) {
    const s = files[day.fileIndex];
    const chart = await write(
      `day-${day.date}-${day.fileIndex + 1}.svg`,
      renderSvg(
        daySpec(s, day.from, day.to, labels, s.threshold, model.intervalMs, `${s.symbol} ${day.date} (UTC)`),
      ),
    );
    crisisDays.push({
      date: day.date,
      file: s.file,
      crisisBars: day.crisisBars,
      anomalies: day.anomalies,
      logReturn: Math.log(s.close[day.to - 1] / s.close[day.from]),
      chart,
    });
  }

  const summary: EvaluationSummary = {
    model: {
      symbol: model.symbol,
      intervalMs: model.intervalMs,
      features: model.features.map((f) => f.name),
      labels: [...labels],
      threshold: model.forest.threshold,
      decision: { ...model.decision },
    },
    states,
    evaluation,
    splits: data.splits ?? null,
    files: fileRows,
    crisisDays,
    charts,
  };
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(outDir, 'index.html'), html(summary, model));
  return summary;
}

/** The `count` UTC days with the most Crisis bars (most first, then earliest), over every file. */
function topCrisisDays(files: ReplaySeries[], crisis: number, count: number) {
  const days: {
    date: string;
    fileIndex: number;
    from: number;
    to: number;
    crisisBars: number;
    anomalies: number;
  }[] = [];
  files.forEach((s, fileIndex) => {
    let i = 0;
    while (i < s.length) {
      const day = Math.floor(s.openTime[i] / DAY_MS);
      const from = i;
      let crisisBars = 0;
      let anomalies = 0;
      for (; i < s.length && Math.floor(s.openTime[i] / DAY_MS) === day; i++) {
        if (s.state[i] === crisis) crisisBars++;
        anomalies += s.anomaly[i];
      }
      if (crisisBars > 0) {
        const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
        days.push({ date, fileIndex, from, to: i, crisisBars, anomalies });
      }
    }
  });
  days.sort(
    (a, b) =>
      b.crisisBars - a.crisisBars ||
      files[a.fileIndex].openTime[a.from] - files[b.fileIndex].openTime[b.from] ||
      a.fileIndex - b.fileIndex,
  );
  return days.slice(0, count);
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const bp = (x: number) => (x * 1e4).toFixed(2);

function stateTable(states: readonly StateSummary[]): string {
  const rows = states
    .map(
      (s) =>
        `<tr><td><span class="swatch s${s.state}"></span>${escapeHtml(s.label)}</td><td>${s.bars}</td><td>${(s.share * 100).toFixed(1)} %</td>` +
        `<td>${s.meanDwellBars.toFixed(1)}</td><td>${s.longestRunBars}</td><td>${bp(s.realizedVolatility)}</td>` +
        `<td>${bp(s.meanReturn)}</td><td>${bp(s.sdReturn)}</td></tr>`,
    )
    .join('\n');
  const stable = states[0].realizedVolatility;
  const ratio = states[states.length - 1].realizedVolatility / stable;
  return `<table class="states">
<thead><tr><th>state</th><th>bars</th><th>share</th><th>mean dwell (bars)</th><th>longest run</th><th>realized vol (bp)</th><th>mean return (bp)</th><th>sd of returns (bp)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Realized volatility ${escapeHtml(states[states.length - 1].label)} / ${escapeHtml(states[0].label)}: <b>${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : `n/a (no ${escapeHtml(states[0].label)} returns)`}</b>.</p>`;
}

/** The forward-skill table (from {@link evaluationRows}), its definitions, the walk-forward splits and the chart. */
function skillSection(summary: EvaluationSummary): string {
  const { header, rows } = evaluationRows(summary.evaluation);
  const o = summary.evaluation.options;
  const body = rows
    .map((cells, i) => {
      const tag = i === rows.length - 1 ? 'th' : 'td';
      return `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
    })
    .join('\n');
  const splits =
    summary.splits === null
      ? '<p>One model for every file (not walk-forward: the files may include its training data).</p>'
      : `<p>Walk-forward: each file was replayed with a model trained, with this model's recipe, only on other files:</p><ul>${summary.splits
          .map(
            (s) =>
              `<li>${escapeHtml(basename(s.test))} ← trained on ${s.train.map((f) => escapeHtml(basename(f))).join(', ')}</li>`,
          )
          .join('')}</ul>`;
  return `${splits}
<table class="skill"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
<p class="muted">In brackets: the EWMA baseline, a causal exponentially weighted mean of squared 1-bar returns (half-life ${o.ewmaHalfLifeBars} bars) on the same bars;
its volatility ratio cuts it into the model's state shares of each file. Forward volatility: realized volatility of the next ${o.horizonBars} bars; AUC: how well the regime score Σ k·p_k
ranks bars whose forward volatility is in the file's top ${Math.round((1 - o.topQuantile) * 100)} % (0.5 = chance).
Runs ≤ ${o.shortRunBars}: share of runs of at most ${o.shortRunBars} bars; A-B-A: share of interior runs that are that short and return to the state before.
Onset lag: bars from the start of a top-decile episode to the first ${escapeHtml(summary.model.labels[summary.model.labels.length - 1])} label (within ${o.horizonBars} bars; hit = episodes with one).
Only warm bars count; gap bars are labelled bars but their returns are not observations.</p>
<img src="skill.svg" alt="state shares, forward AUC, forward volatility ratio and flicker per file, model next to the EWMA baseline">`;
}

function html(summary: EvaluationSummary, model: RegimeModel): string {
  const m = summary.model;
  const p = model.provenance;
  const fileSections = summary.files
    .map(
      (f) => `<section>
<h3>${escapeHtml(basename(f.file))}</h3>
<p>${f.signals} bars (${f.coldBars} warm-up, ${f.gapBars} gap bars), ${f.regimeChanges} regime changes, ${f.anomalies} anomalies, ${f.malformedLines} malformed lines.</p>
<img src="${f.chart}" alt="price, anomaly score and regime probabilities of ${escapeHtml(basename(f.file))}">
${stateTable(f.states)}
</section>`,
    )
    .join('\n');
  const days = summary.crisisDays
    .map(
      (d) =>
        `<tr><td>${d.date}<br><span class="file">${escapeHtml(basename(d.file))}</span></td><td>${d.crisisBars}</td><td>${d.anomalies}</td>` +
        `<td>${(d.logReturn * 100).toFixed(2)} %</td><td><img class="day" src="${d.chart}" alt="${d.date}"></td></tr>`,
    )
    .join('\n');
  const crisis = escapeHtml(m.labels[m.labels.length - 1]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>microstream evaluation: ${escapeHtml(m.symbol)} ${m.intervalMs / 60_000}m model</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #212121; }
h1 { font-size: 22px; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
td:first-child, th:first-child { text-align: left; } img { max-width: 100%; } img.day { width: 600px; }
table.days td { white-space: nowrap; } table.skill { font-size: 12px; } table.skill th { text-align: right; } table.skill td:first-child, table.skill th:first-child { white-space: nowrap; } table.days .file { font-size: 11px; color: #757575; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
${m.labels.map((_, i) => `.s${i} { background: ${STATE_COLOURS[i % STATE_COLOURS.length]}; }`).join(' ')}
.muted { color: #757575; }
</style>
</head>
<body>
<h1>Regime evaluation — ${escapeHtml(m.symbol)} ${m.intervalMs / 60_000}-minute model</h1>
<p class="muted">Model: features ${m.features.map(escapeHtml).join(', ')}; trained on ${p.trainingBars} bars
(${p.sequences.length} sequences, seed ${p.seed}, microstream ${escapeHtml(p.libraryVersion)}); anomaly threshold ${m.threshold.toFixed(4)};
decision rule: ${escapeHtml(describeDecision(m.decision))}.
Each file is replayed through its own detector (<code>pushBar</code>); states are the labels of each warm bar, as a detector emits them.</p>

<h2>Forward skill: the model next to a trivial baseline</h2>
${skillSection(summary)}

<h2>Per-state statistics (all files)</h2>
${stateTable(summary.states)}
<img src="states.svg" alt="realized volatility, dwell and share per state">

<h2>Days with the most ${crisis} minutes</h2>
${summary.crisisDays.length === 0 ? `<p>No ${crisis} bars.</p>` : `<table class="days"><thead><tr><th>day (UTC), file</th><th>${crisis} bars</th><th>anomalies</th><th>return</th><th>price, regime and anomaly score</th></tr></thead>\n<tbody>\n${days}\n</tbody></table>`}

<h2>Files</h2>
${fileSections}
</body>
</html>
`;
}

/** A decision rule in words, e.g. "hysteresis, margin 0.4, after a 4-bar minimum dwell". */
function describeDecision(rule: RegimeDecisionRule): string {
  const dwell = rule.minDwellBars ?? 1;
  return `hysteresis, margin ${rule.margin}${dwell > 1 ? `, after a ${dwell}-bar minimum dwell` : ''}`;
}
