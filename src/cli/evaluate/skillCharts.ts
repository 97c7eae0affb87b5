import type { TopLevelSpec } from 'vega-lite';
import type { SignalEvaluation, SpanEvaluation } from '../../evaluation/SignalEvaluation.js';
import { STATE_COLOURS } from './charts.js';

const MODEL_COLOUR = '#1e88e5';
const EWMA_COLOUR = '#9e9e9e';

/**
 * The forward-skill charts of an evaluation, one row of panels per question, each span and the
 * pooled figure side by side: state shares (stacked), forward-volatility ROC AUC of the model
 * next to the EWMA baseline, forward Crisis/Stable volatility (model vs the EWMA cut into the same
 * shares), and flicker (switches per day, share of runs ≤ 3 bars, model vs EWMA cut).
 *
 * @example
 * ```ts
 * writeFileSync('skill.svg', await renderSvg(skillSpec(evaluateSignals(spans))));
 * ```
 */
export function skillSpec(evaluation: SignalEvaluation): TopLevelSpec {
  const spans = [...evaluation.spans, evaluation.pooled];
  const names = spans.map((s) => s.name);
  const labels = evaluation.labels;
  const width = Math.max(240, 26 * spans.length);
  const span = {
    field: 'span',
    type: 'nominal' as const,
    sort: names,
    title: null,
    axis: { labelAngle: -40, labelLimit: 160 },
  };
  const shares = spans.flatMap((s) =>
    labels.map((regime, k) => ({ span: s.name, regime, order: k, share: finite(s.regime.shares[k] * 100) })),
  );
  const pairs = (figure: (e: SpanEvaluation['regime']) => number, scale = 1) =>
    spans.flatMap((s) => [
      { span: s.name, method: 'model', value: finite(figure(s.regime) * scale) },
      { span: s.name, method: 'EWMA baseline', value: finite(figure(s.ewma) * scale) },
    ]);
  const grouped = (values: object[], title: string, legend: boolean, domain?: [number, number]) => ({
    width,
    height: 150,
    title,
    data: { values },
    mark: { type: 'bar' as const },
    encoding: {
      x: span,
      xOffset: { field: 'method', type: 'nominal' as const, sort: ['model', 'EWMA baseline'] },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: null,
        ...(domain ? { scale: { domain, clamp: true } } : {}),
      },
      color: {
        field: 'method',
        type: 'nominal' as const,
        sort: ['model', 'EWMA baseline'],
        scale: { domain: ['model', 'EWMA baseline'], range: [MODEL_COLOUR, EWMA_COLOUR] },
        title: null,
        ...(legend ? {} : { legend: null }),
      },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'sans-serif', title: { anchor: 'start', fontSize: 12 } },
    vconcat: [
      {
        hconcat: [
          {
            width,
            height: 150,
            title: 'share of warm bars per state (%)',
            data: { values: shares },
            mark: { type: 'bar' as const },
            encoding: {
              x: span,
              y: { field: 'share', type: 'quantitative' as const, stack: 'zero' as const, title: null },
              color: {
                field: 'regime',
                type: 'nominal' as const,
                scale: {
                  domain: [...labels],
                  range: labels.map((_, i) => STATE_COLOURS[i % STATE_COLOURS.length]),
                },
                title: 'regime',
              },
              order: { field: 'order', type: 'quantitative' as const },
            },
          },
          grouped(
            pairs((e) => e.forwardAuc),
            'forward-vol ROC AUC (top decile, next bars)',
            true,
            [0.4, 1],
          ),
        ],
        resolve: { scale: { color: 'independent' } },
      },
      {
        hconcat: [
          grouped(
            pairs((e) => e.forwardCrisisStableVolatility),
            `forward ${labels[labels.length - 1]}/${labels[0]} volatility`,
            false,
          ),
          grouped(
            pairs((e) => e.switchesPerDay),
            'switches per day',
            false,
          ),
          grouped(
            pairs((e) => e.shortRunShare, 100),
            'runs ≤ 3 bars (% of runs)',
            false,
          ),
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Vega drops NaN silently but not null: NaN figures become null (no bar). */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
