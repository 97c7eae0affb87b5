import type { SignalEvaluation, SpanEvaluation } from '../../evaluation/SignalEvaluation.js';

/**
 * The columns of the forward-skill table: one row per span and one for all spans pooled, the
 * model's figures next to the EWMA baseline's where both exist.
 *
 * @example
 * ```ts
 * const { header, rows } = evaluationRows(evaluateSignals(spans));
 * ```
 */
export function evaluationRows(evaluation: SignalEvaluation): { header: string[]; rows: string[][] } {
  const labels = evaluation.labels;
  const header = [
    'span',
    'warm bars',
    ...labels.map((l) => `${l} %`),
    'switches/day',
    'runs ≤3',
    'A-B-A',
    `${labels[labels.length - 1]}/${labels[0]} vol`,
    'fwd vol ratio (EWMA)',
    'fwd AUC (EWMA)',
    'onset lag med/mean (hit)',
    'anomalies',
    'out of range',
  ];
  const row = (e: SpanEvaluation) => [
    e.name,
    String(e.warmBars),
    ...e.regime.shares.map((s) => percent(s, 1)),
    fixed(e.regime.switchesPerDay, 1),
    percent(e.regime.shortRunShare, 1),
    percent(e.regime.flipShare, 1),
    fixed(e.regime.crisisStableVolatility, 2),
    `${fixed(e.regime.forwardCrisisStableVolatility, 2)} (${fixed(e.ewma.forwardCrisisStableVolatility, 2)})`,
    `${fixed(e.regime.forwardAuc, 3)} (${fixed(e.ewma.forwardAuc, 3)})`,
    `${fixed(e.regime.onset.medianLagBars, 0)}/${fixed(e.regime.onset.meanLagBars, 1)} (${e.regime.onset.detected}/${e.regime.onset.episodes})`,
    percent(e.anomalyRate, 2),
    percent(e.outOfRangeRate, 1),
  ];
  return { header, rows: [...evaluation.spans.map(row), row(evaluation.pooled)] };
}

/**
 * Renders a table as aligned plain text (for a terminal) or as a Markdown table.
 *
 * @example
 * ```ts
 * const { header, rows } = evaluationRows(evaluation);
 * process.stdout.write(formatTable(header, rows, 'text'));
 * ```
 */
export function formatTable(header: string[], rows: string[][], style: 'text' | 'markdown'): string {
  if (style === 'markdown') {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
    return `${[line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n')}\n`;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `${[line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n`;
}

/** A number with `digits` decimals, or `n/a` when it is not finite. */
export function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** A share as a percentage with `digits` decimals, or `n/a`. */
export function percent(x: number, digits: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : 'n/a';
}
