/**
 * The four feature panels, computed from each bar's own fields so they show the same thing
 * whatever feature set the model uses. A value the bars cannot give is `null` (a hole in the
 * chart); a panel whose field the source's bars lack altogether says "not available".
 */

/** Bars in the activity panel's mean volume window. */
const activityWindow = 20;

/** Panel ids in display order. */
export const featurePanels = ['momentum', 'volatility', 'activity', 'orderFlow'];

/**
 * Computes panel values bar by bar. Call `next(bar)` for consecutive bars, oldest first.
 *
 * @example
 * const panels = new FeatureTracker();
 * const { momentum, volatility, activity, orderFlow } = panels.next(bar);
 */
export class FeatureTracker {
  #previousClose = Number.NaN;
  /** Volumes of the last {@link activityWindow} bars, oldest first. */
  #volumes = [];

  /**
   * @param {import('../protocol.js').SignalMessage['signal']['bar']} bar
   * @returns {{ momentum: number | null, volatility: number | null, activity: number | null, orderFlow: number | null }}
   */
  next(bar) {
    const momentum = this.#previousClose > 0 ? Math.log(bar.close / this.#previousClose) * 1e4 : null;
    const volatility = bar.open > 0 ? ((bar.high - bar.low) / bar.open) * 1e4 : null;
    const meanVolume =
      this.#volumes.length === activityWindow ? this.#volumes.reduce((a, b) => a + b, 0) / activityWindow : 0;
    const activity = meanVolume > 0 ? bar.volume / meanVolume : null;
    const orderFlow =
      bar.takerBuyVolume !== undefined && bar.volume > 0 ? (2 * bar.takerBuyVolume) / bar.volume - 1 : null;
    this.#previousClose = bar.close;
    this.#volumes.push(bar.volume);
    if (this.#volumes.length > activityWindow) this.#volumes.shift();
    return { momentum, volatility, activity, orderFlow };
  }
}

/**
 * Whether the source's bars can give a panel at all (order-flow imbalance needs taker buy volume,
 * which OHLCV klines lack).
 *
 * @param {string} panel one of {@link featurePanels}
 * @param {import('../protocol.js').SignalMessage['signal']['bar']} bar any non-gap bar of the source
 */
export function panelAvailable(panel, bar) {
  return panel !== 'orderFlow' || bar.takerBuyVolume !== undefined;
}
