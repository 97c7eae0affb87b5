/**
 * Every chart of the page, drawn with lightweight-charts (loaded as the global
 * `LightweightCharts` by index.html): one chart with three panes (candles over regime bands,
 * anomaly score, stacked regime probabilities) and one small chart per feature panel, all scrolled
 * together.
 */
import { FeatureTracker, featurePanels, panelAvailable } from './features.js';

const LC = globalThis.LightweightCharts;

/** Regime colours by state (0 = Stable, 1 = Volatile, 2 = Crisis), the same as style.css. */
export const regimeColors = ['#26a69a', '#f0b429', '#ef5350'];
const bandColors = ['rgba(38, 166, 154, 0.16)', 'rgba(240, 180, 41, 0.22)', 'rgba(239, 83, 80, 0.30)'];
const unknownColor = '#7d8896';
/** Bars in view after a (re)load: four hours of one-minute bars. */
const visibleBars = 240;

const theme = {
  layout: {
    background: { color: '#0f1419' },
    textColor: '#c5ccd6',
    attributionLogo: false,
    panes: { separatorColor: '#263040' },
  },
  grid: { vertLines: { color: '#1b2330' }, horzLines: { color: '#1b2330' } },
  timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#263040' },
  rightPriceScale: { borderColor: '#263040' },
  crosshair: { mode: LC.CrosshairMode.Normal },
  autoSize: true,
};

/** @param {number} ms epoch milliseconds → the chart's UTC seconds */
const chartTime = (ms) => Math.floor(ms / 1000);

/**
 * Adds a pane title in its top-left corner.
 * @param {import('lightweight-charts').IPaneApi<import('lightweight-charts').Time>} pane
 * @param {string} text
 */
function paneTitle(pane, text) {
  LC.createTextWatermark(pane, {
    horzAlign: 'left',
    vertAlign: 'top',
    lines: [{ text, color: 'rgba(197, 204, 214, 0.55)', fontSize: 12 }],
  });
}

/**
 * The page's charts. `reset(signals)` replaces all data; `append(signal)` adds the next bar.
 *
 * @example
 * const charts = new Charts(document.getElementById('main-chart'), document.querySelectorAll('figure'));
 * charts.reset(history.signals);
 * charts.append(next);
 */
export class Charts {
  /**
   * @param {HTMLElement} mainElement container of the three-pane chart
   * @param {Iterable<HTMLElement>} featureFigures one `<figure data-feature=…>` per feature panel
   */
  constructor(mainElement, featureFigures) {
    this.main = LC.createChart(mainElement, theme);
    const main = this.main;

    const bands = main.addSeries(LC.HistogramSeries, {
      priceScaleId: 'bands',
      priceLineVisible: false,
      lastValueVisible: false,
      base: 0,
    });
    main.priceScale('bands').applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
    const candles = main.addSeries(LC.CandlestickSeries, {
      upColor: '#26a69a',
      downColor: '#ef5350',
      wickUpColor: '#26a69a',
      wickDownColor: '#ef5350',
      borderVisible: false,
    });

    const anomaly = main.addSeries(
      LC.LineSeries,
      { color: '#8ab4f8', lineWidth: 1, priceFormat: { type: 'price', precision: 3, minMove: 0.001 } },
      1,
    );
    this.anomalyMarkers = LC.createSeriesMarkers(anomaly, []);

    const probability = (color) =>
      main.addSeries(
        LC.AreaSeries,
        {
          lineColor: color,
          topColor: color,
          bottomColor: color,
          lineWidth: 1,
          priceLineVisible: false,
          lastValueVisible: false,
          priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
          autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: 1 } }),
        },
        2,
      );
    // Stacked by drawing cumulative sums, tallest first: Crisis fills 0..1, Volatile 0..p0+p1, Stable 0..p0.
    const crisis = probability(regimeColors[2]);
    const volatile = probability(regimeColors[1]);
    const stable = probability(regimeColors[0]);

    const panes = main.panes();
    panes[0].setStretchFactor(3);
    panes[1].setStretchFactor(1);
    panes[2].setStretchFactor(1);
    paneTitle(panes[0], 'Price');
    paneTitle(panes[1], 'Anomaly score (lower = stranger; dashed: threshold)');
    paneTitle(panes[2], 'Regime probabilities (stacked)');

    /** @type {Record<string, { chart: import('lightweight-charts').IChartApi, series: import('lightweight-charts').ISeriesApi<'Line'>, unavailable: HTMLElement }>} */
    this.features = {};
    for (const figure of featureFigures) {
      const chart = LC.createChart(figure.querySelector('.feature-chart'), {
        ...theme,
        timeScale: { ...theme.timeScale, visible: false },
        handleScroll: false,
        handleScale: false,
      });
      const series = chart.addSeries(LC.LineSeries, {
        color: '#8ab4f8',
        lineWidth: 1,
        priceLineVisible: false,
        priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
      });
      this.features[figure.dataset.feature] = {
        chart,
        series,
        unavailable: figure.querySelector('.unavailable'),
      };
    }
    // Scrolling or zooming the main chart scrolls the feature charts along. While reset() or
    // append() is updating the series one by one, a feature chart may lack the newest bar: those
    // two sync once every series has it.
    main.timeScale().subscribeVisibleTimeRangeChange(() => {
      if (!this.#updating) this.#syncFeatures();
    });

    /** Every series by name: the data API tests read (`series.candles.data()`). */
    this.series = { bands, candles, anomaly, crisis, volatile, stable };
    for (const name of featurePanels) this.series[name] = this.features[name].series;
    this.#thresholdLine = anomaly.createPriceLine({
      price: 0,
      color: '#ef5350',
      lineStyle: LC.LineStyle.Dashed,
      lineWidth: 1,
      axisLabelVisible: true,
      title: 'threshold',
    });
  }

  #thresholdLine;
  /** Bars in the charts. */
  #bars = 0;
  /** True while reset() or append() is updating the series. */
  #updating = false;
  #threshold = Number.NaN;
  #featureTracker = new FeatureTracker();
  /** @type {import('lightweight-charts').SeriesMarker<import('lightweight-charts').Time>[]} */
  #markers = [];

  /**
   * Replaces all data with these signals (oldest first).
   * @param {import('../protocol.js').SignalMessage['signal'][]} signals
   */
  reset(signals) {
    this.#updating = true;
    this.#featureTracker = new FeatureTracker();
    this.#markers = [];
    const rows = signals.map((s) => this.#rows(s));
    this.#bars = rows.length;
    for (const name of Object.keys(this.series)) this.series[name].setData(rows.map((r) => r[name]));
    this.anomalyMarkers.setMarkers(this.#markers);
    const lastTraded = signals.findLast((s) => !s.bar.gap);
    if (lastTraded !== undefined) this.#showAvailability(lastTraded.bar);
    if (signals.length > 0) this.#setThreshold(signals[signals.length - 1].anomaly.threshold);
    // Show the last few hours; the chart then keeps the newest bar in view as bars arrive.
    this.main.timeScale().setVisibleLogicalRange({ from: rows.length - visibleBars, to: rows.length + 2 });
    this.#updating = false;
    this.#syncFeatures();
  }

  /**
   * Adds the next signal's bar to every chart.
   * @param {import('../protocol.js').SignalMessage['signal']} signal
   */
  append(signal) {
    const row = this.#rows(signal);
    this.#updating = true;
    this.#bars++;
    for (const name of Object.keys(this.series)) this.series[name].update(row[name]);
    this.#updating = false;
    this.#syncFeatures();
    if (signal.anomaly.isAnomaly) this.anomalyMarkers.setMarkers(this.#markers);
    this.#setThreshold(signal.anomaly.threshold);
    if (!signal.bar.gap) this.#showAvailability(signal.bar);
  }

  /**
   * Says "not available" on the panels this bar cannot give.
   * @param {import('../protocol.js').SignalMessage['signal']['bar']} bar a bar with trades
   */
  #showAvailability(bar) {
    for (const name of featurePanels) this.features[name].unavailable.hidden = panelAvailable(name, bar);
  }

  /** Shows the main chart's time range in the feature charts. */
  #syncFeatures() {
    const range = this.main.timeScale().getVisibleRange();
    if (range === null || this.#bars === 0) return;
    for (const { chart } of Object.values(this.features)) chart.timeScale().setVisibleRange(range);
  }

  /** @param {number} threshold */
  #setThreshold(threshold) {
    if (threshold === this.#threshold) return;
    this.#threshold = threshold;
    this.#thresholdLine.applyOptions({ price: threshold });
  }

  /**
   * One data point per series for a signal; a point without a value where the bars cannot give one
   * (the chart leaves a hole there).
   * @param {import('../protocol.js').SignalMessage['signal']} signal
   */
  #rows(signal) {
    const { bar, regime, anomaly } = signal;
    const time = chartTime(bar.openTime);
    const p = regime.probabilities;
    const features = this.#featureTracker.next(bar);
    if (anomaly.isAnomaly) {
      this.#markers.push({ time, position: 'belowBar', color: '#ef5350', shape: 'arrowUp', size: 0.6 });
      if (this.#markers.length > 2000) this.#markers.shift();
    }
    /** @param {number | null} value */
    const line = (value) => (value === null || !Number.isFinite(value) ? { time } : { time, value });
    return {
      bands: { time, value: 1, color: bandColors[regime.state] ?? unknownColor },
      candles: { time, open: bar.open, high: bar.high, low: bar.low, close: bar.close },
      anomaly: line(anomaly.score),
      crisis: line(1),
      volatile: line((p[0] ?? 0) + (p[1] ?? 0)),
      stable: line(p[0] ?? 0),
      momentum: line(features.momentum),
      volatility: line(features.volatility),
      activity: line(features.activity),
      orderFlow: line(features.orderFlow),
    };
  }
}
