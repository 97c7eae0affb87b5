/**
 * The current-regime card: regime and its probability, time in regime, the last change, the last
 * bar and its anomaly score. Times are market (bar) times, so a replay reads like live data.
 */

/** @param {number} ms */
const utc = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** @param {number} ms a duration */
function duration(ms) {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * Follows the signals of one symbol and shows the regime card.
 *
 * @example
 * const card = new RegimeCard(document);
 * card.reset(history.signals);
 * card.update(next);
 */
export class RegimeCard {
  /** @param {Document} doc */
  constructor(doc) {
    this.#element = doc.getElementById('regime-card');
    this.#fields = {
      label: doc.getElementById('regime-label'),
      probability: doc.getElementById('regime-probability'),
      duration: doc.getElementById('regime-duration'),
      change: doc.getElementById('regime-change'),
      bar: doc.getElementById('last-bar'),
      anomaly: doc.getElementById('anomaly-now'),
      received: doc.getElementById('bars-received'),
    };
  }

  #element;
  #fields;
  /** Signals received since the page loaded, history included. */
  received = 0;
  /** @type {{ label: string, state: number, since: number } | undefined} the regime now and when it began */
  current;
  /** @type {{ at: number, from: string, to: string } | undefined} */
  lastChange;

  /**
   * Starts over from a history (oldest first).
   * @param {import('../protocol.js').SignalMessage['signal'][]} signals
   */
  reset(signals) {
    this.current = undefined;
    this.lastChange = undefined;
    for (const signal of signals) this.#follow(signal);
    this.received += signals.length;
    this.#show(signals[signals.length - 1]);
  }

  /** @param {import('../protocol.js').SignalMessage['signal']} signal the next signal */
  update(signal) {
    this.#follow(signal);
    this.received++;
    this.#show(signal);
  }

  /** @param {import('../protocol.js').SignalMessage['signal']} signal */
  #follow(signal) {
    const { state, label } = signal.regime;
    const at = signal.bar.openTime;
    if (this.current === undefined) this.current = { label, state, since: at };
    else if (this.current.state !== state) {
      this.lastChange = { at, from: this.current.label, to: label };
      this.current = { label, state, since: at };
    }
  }

  /** @param {import('../protocol.js').SignalMessage['signal'] | undefined} signal the latest */
  #show(signal) {
    const f = this.#fields;
    f.received.textContent = String(this.received);
    if (signal === undefined || this.current === undefined) return;
    const { regime, anomaly, bar, warm } = signal;
    this.#element.dataset.regime = regime.label;
    f.label.textContent = regime.label;
    f.probability.textContent = warm
      ? `probability ${(100 * (regime.probabilities[regime.state] ?? 0)).toFixed(1)} %`
      : 'warming up: feature windows not full yet';
    f.duration.textContent = duration(bar.closeTime + 1 - this.current.since);
    f.change.textContent =
      this.lastChange === undefined
        ? 'none in view'
        : `${this.lastChange.from} → ${this.lastChange.to} at ${utc(this.lastChange.at)}`;
    f.bar.textContent = `${utc(bar.openTime)}${bar.gap ? ' (no trades)' : ''}`;
    f.anomaly.textContent = `${anomaly.score.toFixed(3)}${anomaly.isAnomaly ? ' anomaly' : ''}`;
    f.anomaly.className = anomaly.isAnomaly ? 'crisis' : '';
  }
}
