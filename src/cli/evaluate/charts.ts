import type { TopLevelSpec } from 'vega-lite';
import type { ReplaySeries } from './replaySeries.js';
import type { StateSummary } from './StateStatistics.js';

/** Colours of the states in every chart and table, calmest first: Stable green, Volatile amber, Crisis red, then more. */
export const STATE_COLOURS = ['#4caf50', '#ffa726', '#e53935', '#8e24aa', '#1e88e5', '#6d4c41'];
const WIDTH = 900;

let renderer: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/**
 * Loads `vega` and `vega-lite`, the optional peer dependencies that draw the charts (once; later
 * calls share the result). Rejects with an error that says how to install them when they are
 * missing, so a command can check before doing any work.
 *
 * @example
 * ```ts
 * await loadChartRenderer(); // throws "… npm install vega vega-lite …" without them
 * ```
 */
export function loadChartRenderer(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).catch((error: Error) => {
    renderer = undefined;
    throw new Error(
      `microstream evaluate draws its charts with vega and vega-lite, optional peer dependencies that are not installed: npm install vega vega-lite (${error.message})`,
    );
  });
  return renderer;
}

/**
 * Renders a Vega-Lite spec to an SVG document with `vega` and `vega-lite` (no canvas or browser
 * needed); see {@link loadChartRenderer}.
 *
 * @example
 * ```ts
 * writeFileSync('chart.svg', await renderSvg({ data: { values }, mark: 'line', encoding }));
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadChartRenderer();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One bucket of a downsampled series (one bar at full resolution). */
interface Bucket {
  t: number;
  close: number;
  /** Lowest (most anomalous) anomaly score in the bucket. */
  score: number;
  anomalies: number;
  /** Most frequent warm state, or −1 when every bar is cold. */
  state: number;
  /** Mean P(state) over the bucket's warm bars (empty when none). */
  p: number[];
}

/**
 * Downsamples signals [from, to) into buckets of `bucketMs` (use the bar interval for full
 * resolution): last close, lowest score, anomaly count, dominant state, mean probabilities.
 */
function buckets(s: ReplaySeries, k: number, bucketMs: number, from = 0, to = s.length): Bucket[] {
  const out: Bucket[] = [];
  let i = from;
  while (i < to) {
    const key = Math.floor(s.openTime[i] / bucketMs);
    const counts = new Array<number>(k).fill(0);
    const p = new Array<number>(k).fill(0);
    let warm = 0;
    let score = Number.POSITIVE_INFINITY;
    let anomalies = 0;
    let last = i;
    for (; i < to && Math.floor(s.openTime[i] / bucketMs) === key; i++) {
      last = i;
      score = Math.min(score, s.score[i]);
      anomalies += s.anomaly[i];
      if (s.state[i] < 0) continue;
      warm++;
      counts[s.state[i]]++;
      for (let j = 0; j < k; j++) p[j] += s.probabilities[i * k + j];
    }
    const state = warm === 0 ? -1 : counts.indexOf(Math.max(...counts));
    out.push({
      t: key * bucketMs,
      close: s.close[last],
      score,
      anomalies,
      state,
      p: warm === 0 ? [] : p.map((x) => x / warm),
    });
  }
  return out;
}

/** Runs of equal dominant state, as background bands [t, t2). */
function bands(rows: Bucket[], bucketMs: number, labels: readonly string[]) {
  const out: { t: number; t2: number; regime: string }[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (row.state < 0) continue;
    const regime = labels[row.state];
    if (last !== undefined && last.regime === regime && last.t2 === row.t) last.t2 = row.t + bucketMs;
    else out.push({ t: row.t, t2: row.t + bucketMs, regime });
  }
  return out;
}

function colourScale(labels: readonly string[]) {
  return { domain: [...labels], range: labels.map((_, i) => STATE_COLOURS[i % STATE_COLOURS.length]) };
}

const timeAxis = (title: string | null, format = '%Y-%m-%d %H:%M') => ({
  field: 't',
  type: 'temporal' as const,
  scale: { type: 'utc' as const },
  axis: { format, labelAngle: 0, labelOverlap: true as const },
  title,
});

/** Price panel: close over the regime-coloured background. */
function pricePanel(
  rows: Bucket[],
  bucketMs: number,
  labels: readonly string[],
  height: number,
  title: string,
  width = WIDTH,
  timeFormat?: string,
) {
  const x = timeAxis(null, timeFormat);
  return {
    width,
    height,
    title,
    layer: [
      {
        data: { values: bands(rows, bucketMs, labels) },
        mark: { type: 'rect' as const, opacity: 0.35 },
        encoding: {
          x,
          x2: { field: 't2' },
          color: { field: 'regime', type: 'nominal' as const, scale: colourScale(labels), title: 'regime' },
        },
      },
      {
        data: { values: rows.map((r) => ({ t: r.t, close: r.close })) },
        mark: { type: 'line' as const, color: '#263238', strokeWidth: 1 },
        encoding: {
          x,
          y: { field: 'close', type: 'quantitative' as const, scale: { zero: false }, title: 'close' },
        },
      },
    ],
  };
}

/** Anomaly panel: (lowest) score with the threshold as a rule. */
function scorePanel(
  rows: Bucket[],
  threshold: number,
  height: number,
  title: string,
  width = WIDTH,
  timeFormat?: string,
) {
  const x = timeAxis(null, timeFormat);
  return {
    width,
    height,
    title,
    layer: [
      {
        data: { values: rows.map((r) => ({ t: r.t, score: r.score })) },
        mark: { type: 'line' as const, color: '#546e7a', strokeWidth: 1 },
        encoding: {
          x,
          y: {
            field: 'score',
            type: 'quantitative' as const,
            scale: { zero: false },
            title: 'anomaly score',
          },
        },
      },
      {
        data: { values: rows.filter((r) => r.anomalies > 0).map((r) => ({ t: r.t, score: r.score })) },
        mark: { type: 'point' as const, color: '#c62828', size: 14, filled: true },
        encoding: { x, y: { field: 'score', type: 'quantitative' as const } },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: 'rule' as const, color: '#c62828', strokeDash: [4, 3] },
        encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
      },
    ],
  };
}

/** Stacked filtered probabilities of each state. */
function probabilityPanel(rows: Bucket[], labels: readonly string[], height: number, title: string) {
  const values = rows.flatMap((r) => r.p.map((p, j) => ({ t: r.t, regime: labels[j], order: j, p })));
  return {
    width: WIDTH,
    height,
    title,
    data: { values },
    mark: { type: 'area' as const, interpolate: 'step-after' as const },
    encoding: {
      x: timeAxis('time (UTC)'),
      y: { field: 'p', type: 'quantitative' as const, stack: 'normalize' as const, title: 'P(state)' },
      color: { field: 'regime', type: 'nominal' as const, scale: colourScale(labels), title: 'regime' },
      order: { field: 'order', type: 'quantitative' as const },
    },
  };
}

/**
 * The overview of one replayed file: price over regime-coloured background, anomaly score with the
 * threshold, stacked regime probabilities. Spans longer than three days are shown as hourly
 * aggregates (last close, lowest score, dominant state, mean probabilities), shorter ones bar by bar.
 *
 * @example
 * ```ts
 * writeFileSync('overview.svg', await renderSvg(overviewSpec(series, model.labels, model.forest.threshold, 60_000)));
 * ```
 */
export function overviewSpec(
  s: ReplaySeries,
  labels: readonly string[],
  threshold: number,
  intervalMs: number,
): TopLevelSpec {
  const span = s.length > 0 ? s.openTime[s.length - 1] - s.openTime[0] : 0;
  const hourly = span > 3 * 86_400_000;
  const bucketMs = hourly ? Math.max(3_600_000, intervalMs) : intervalMs;
  const rows = buckets(s, labels.length, bucketMs);
  const per = hourly ? 'hourly: last close, dominant regime' : 'each bar';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'sans-serif', title: { anchor: 'start', fontSize: 12 } },
    vconcat: [
      pricePanel(rows, bucketMs, labels, 220, `${s.symbol || s.file}: price and regime (${per})`),
      scorePanel(
        rows,
        threshold,
        110,
        `anomaly score (${hourly ? 'hourly minimum' : 'each bar'}; dashed: threshold)`,
      ),
      probabilityPanel(rows, labels, 110, `filtered regime probabilities${hourly ? ' (hourly mean)' : ''}`),
    ],
    resolve: { scale: { color: 'shared' } },
  };
}

/**
 * A small chart of one day at full resolution: price over the regime background and the anomaly
 * score with its threshold.
 *
 * @example
 * ```ts
 * const svg = await renderSvg(daySpec(series, from, to, model.labels, model.forest.threshold, 60_000, '2024-12-05'));
 * ```
 */
export function daySpec(
  s: ReplaySeries,
  from: number,
  to: number,
  labels: readonly string[],
  threshold: number,
  intervalMs: number,
  title: string,
): TopLevelSpec {
  const rows = buckets(s, labels.length, intervalMs, from, to);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'sans-serif', title: { anchor: 'start', fontSize: 11 }, axis: { labelFontSize: 9 } },
    vconcat: [
      pricePanel(rows, intervalMs, labels, 120, title, 560, '%H:%M'),
      scorePanel(rows, threshold, 60, 'anomaly score', 560, '%H:%M'),
    ],
  };
}

/**
 * Per-state bars: realized volatility of 1-bar returns (in basis points) and mean dwell (bars).
 *
 * @example
 * ```ts
 * writeFileSync('states.svg', await renderSvg(statesSpec(states)));
 * ```
 */
export function statesSpec(states: readonly StateSummary[]): TopLevelSpec {
  const labels = states.map((s) => s.label);
  const values = states.map((s) => ({
    regime: s.label,
    vol: s.realizedVolatility * 1e4,
    dwell: s.meanDwellBars,
    share: s.share * 100,
  }));
  const panel = (field: string, title: string) => ({
    width: 200,
    height: 140,
    title,
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'regime', type: 'nominal' as const, sort: labels, title: null, axis: { labelAngle: 0 } },
      y: { field, type: 'quantitative' as const, title: null },
      color: { field: 'regime', type: 'nominal' as const, scale: colourScale(labels), legend: null },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'sans-serif', title: { anchor: 'start', fontSize: 12 } },
    data: { values },
    hconcat: [
      panel('vol', 'realized volatility (bp per bar)'),
      panel('dwell', 'mean dwell (bars)'),
      panel('share', 'share of time (%)'),
    ],
  };
}
