/**
 * Quick start: replays the bundled month of BTCUSDT 1-minute klines (2024-11-30 to 2024-12-29)
 * through a regime detector with the bundled model and prints every regime change, then a
 * one-line summary.
 *
 *   npm run example
 */
import { createRegimeDetector } from '../src/index.js';
import { readKlines } from '../src/node/index.js';

const file = new URL('../fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz', import.meta.url).pathname;
const detector = createRegimeDetector({ symbol: 'BTCUSDT' }); // the bundled BTCUSDT 1-minute model
const labels = detector.model.labels;
const bars = readKlines(file);
const started = performance.now();
const minutesIn = labels.map(() => 0);
let previous = -1;

console.log('time (UTC)         from       →  to         P(Stable/Volatile/Crisis)  close');
for await (const bar of bars) {
  for (const signal of detector.pushBar(bar)) {
    if (!signal.warm) continue;
    const { state, probabilities, changed } = signal.regime;
    minutesIn[state]++;
    if (changed) {
      const time = new Date(signal.bar.openTime).toISOString().slice(0, 16).replace('T', ' ');
      const p = probabilities.map((x) => x.toFixed(2)).join('/');
      console.log(
        `${time}   ${labels[previous].padEnd(9)}  →  ${labels[state].padEnd(9)}  ${p.padEnd(25)}  ${signal.bar.close.toFixed(2)}`,
      );
    }
    previous = state;
  }
}

const stats = detector.stats();
const warm = stats.signals - stats.coldBars;
const shares = labels.map((label, i) => `${label} ${((100 * minutesIn[i]) / warm).toFixed(1)}%`).join(', ');
const seconds = (performance.now() - started) / 1000;
console.log(
  `${stats.signals} bars (${stats.coldBars} warm-up), ${stats.regimeChanges} regime changes, ` +
    `${stats.anomalies} anomalies; time in ${shares}; ${seconds.toFixed(2)} s`,
);
