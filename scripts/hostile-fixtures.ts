/**
 * Writes the hostile model files of `fixtures/hostile/` (run: `npx tsx scripts/hostile-fixtures.ts`).
 *
 * `valid-small.json` is the shipped BTCUSDT model with its forest cut to its first tree, so every
 * file stays small; each hostile file is that model with one thing broken. test/models/hostile.test.ts
 * asserts that the valid one loads and that each hostile one is refused with the field it breaks.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// biome-ignore lint/suspicious/noExplicitAny: a model file mutated field by field, deep inside, on purpose
type Json = Record<string, any>;

const OUT = 'fixtures/hostile';
const base: Json = JSON.parse(readFileSync('models/btcusdt-1m.json', 'utf8'));
base.forest.trees = base.forest.trees.slice(0, 1);

const variant = (change: (m: Json) => void): Json => {
  const m = structuredClone(base);
  change(m);
  return m;
};
const write = (name: string, text: string) => writeFileSync(`${OUT}/${name}`, text);
const writeJson = (name: string, model: Json) => write(name, `${JSON.stringify(model)}\n`);

mkdirSync(OUT, { recursive: true });
writeJson('valid-small.json', base);

const validText = JSON.stringify(base);
write('truncated.json', validText.slice(0, Math.floor(validText.length / 2)));
writeJson(
  'wrong-format.json',
  variant((m) => (m.format = 'pickle')),
);
writeJson(
  'wrong-version.json',
  variant((m) => (m.version = 99)),
);
writeJson('not-an-object.json', [base] as unknown as Json);
// JSON has no NaN or Infinity: exporters that write them as strings must be refused, not coerced.
writeJson(
  'nan-as-string.json',
  variant((m) => (m.hmm.means[1][0] = 'NaN')),
);
writeJson(
  'infinity-as-string.json',
  variant((m) => (m.scaler.std[2] = 'Infinity')),
);
// 1e999 parses to Infinity.
const forestThreshold = validText.indexOf('"threshold":', validText.indexOf('"forest":'));
write(
  'overflowing-number.json',
  `${validText.slice(0, forestThreshold)}"threshold":1e999,"was":${validText.slice(forestThreshold + 12)}`,
);
writeJson(
  'negative-std.json',
  variant((m) => (m.scaler.std[0] = -1)),
);
writeJson(
  'non-stochastic-row.json',
  variant((m) => {
    m.hmm.transMat[1] = m.hmm.transMat[1].map((p: number) => p * 0.9);
  }),
);
writeJson(
  'negative-probability.json',
  variant((m) => (m.hmm.startProb = [1.5, -0.5, 0])),
);
writeJson(
  'non-pd-covariance.json',
  variant((m) => {
    // Symmetric, but with eigenvalues 3 and -1 in its first two dimensions.
    const c = m.hmm.covars[2];
    c[0][0] = 1;
    c[1][1] = 1;
    c[0][1] = 2;
    c[1][0] = 2;
  }),
);
writeJson(
  'asymmetric-covariance.json',
  variant((m) => {
    m.hmm.covars[0][3][1] = m.hmm.covars[0][1][3] + 1;
  }),
);
writeJson(
  'mismatched-scaler.json',
  variant((m) => m.scaler.mean.pop()),
);
writeJson(
  'mismatched-means.json',
  variant((m) => m.hmm.means[2].push(0)),
);
writeJson(
  'mismatched-labels.json',
  variant((m) => m.labels.push('Extra')),
);
writeJson(
  'forest-child-out-of-range.json',
  variant((m) => (m.forest.trees[0].left[0] = 99_999)),
);
writeJson(
  'forest-cycle.json',
  variant((m) => {
    // Node 1 (a split) points back to the root: a cycle that would loop a scorer forever.
    const t = m.forest.trees[0];
    t.right[1] = 0;
  }),
);
writeJson(
  'forest-shared-child.json',
  variant((m) => {
    const t = m.forest.trees[0];
    t.right[0] = t.left[0];
  }),
);
writeJson(
  'forest-feature-out-of-range.json',
  variant((m) => (m.forest.trees[0].feature[0] = 4)),
);
writeJson(
  'unknown-feature-kind.json',
  variant((m) => (m.features[1].kind = 'eval')),
);
// Nesting far beyond any model's, which a recursive parser or validator would pay for in stack.
write('deep-nesting.json', `{"format":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
write('proto-pollution.json', validText.replace('"scaler":{', '"scaler":{"__proto__":{"polluted":true},'));
write(
  'constructor-pollution.json',
  validText.replace('"hmm":{', '"hmm":{"constructor":{"prototype":{"polluted":true}},'),
);
// 80 MB of zeros in one array (gzipped here): over the 64 MiB text limit before any parsing.
const huge = validText.replace('"trees":[', `"padding":[${'0,'.repeat(40_000_000)}0],"trees":[`);
writeFileSync(`${OUT}/huge-array.json.gz`, gzipSync(huge, { level: 9 }));
