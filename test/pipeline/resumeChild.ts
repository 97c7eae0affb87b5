// Child process of RegimeDetector.test.ts: restores detector snapshots in a fresh process and
// continues them. stdin: { options, cases: [{ snapshot, trades }] }; stdout: the signals of each case.
import { readFileSync } from 'node:fs';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';

const input = JSON.parse(readFileSync(0, 'utf8'));
const out = input.cases.map((c: { snapshot: unknown; trades: never[] }) => {
  const detector = createRegimeDetector(input.options);
  detector.restore(c.snapshot);
  const signals = c.trades.flatMap((t) => detector.pushTrade(t));
  return [...signals, ...detector.flush()];
});
process.stdout.write(JSON.stringify(out));
