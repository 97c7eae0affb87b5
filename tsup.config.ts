import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';
import ts from 'typescript';

/** The library's entry points (`microstream`, `microstream/node`, …), built as ESM and CommonJS. */
const libraryEntries = {
  index: 'src/index.ts',
  node: 'src/node/index.ts',
  binance: 'src/adapters/binance/index.ts',
  kafka: 'src/adapters/kafka/index.ts',
  dashboard: 'src/adapters/dashboard/index.ts',
  ccxt: 'src/adapters/ccxt/index.ts',
};

/**
 * Small pure-JavaScript dependencies bundled into `dist/` so that installing the package pulls
 * only `ws` (THIRD-PARTY-NOTICES.md carries their licences). The Kafka client and the chart
 * renderer stay external: they are optional peers, loaded only by the parts that need them.
 */
const bundled = [/^ml-matrix(\/|$)/, /^ml-array-/, /^is-any-array(\/|$)/];

/**
 * Writes `dist/THIRD-PARTY-NOTICES.md`: the licence of every package whose code `dist/` carries
 * (the bundled ones above, and the dashboard's chart library served to its page).
 */
function writeThirdPartyNotices(): void {
  const names = readdirSync('node_modules')
    .filter((name) => bundled.some((pattern) => pattern.test(name)))
    .concat('lightweight-charts')
    .sort();
  const sections = names.map((name) => {
    const dir = `node_modules/${name}`;
    const { version, license } = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
    return `## ${name} ${version} (${license})\n\n\`\`\`text\n${readFileSync(`${dir}/LICENSE`, 'utf8').trim()}\n\`\`\`\n`;
  });
  writeFileSync(
    'dist/THIRD-PARTY-NOTICES.md',
    `# Third-party notices\n\nmicrostream's \`dist/\` includes code of these packages, under their licences.\n\n${sections.join('\n')}`,
  );
}

/**
 * The bundled models stay JSON files in `models/` (shipped once), imported by the built code
 * through a JSON module (`with { type: 'json' }`) instead of being inlined into every bundle.
 */
const modelsAsFiles: Plugin = {
  name: 'models-as-files',
  setup(build) {
    build.onResolve({ filter: /\/models\/[^/]+\.json$/ }, (args) => ({
      path: `../models/${args.path.split('/').pop()}`,
      external: true,
    }));
  },
};

/**
 * Gives back `const` to the top-level declarations that esbuild's bundling turned into `var` (it
 * does so for every top-level `const`, `let` and `class`; see its FAQ, "top-level var").
 *
 * Why: V8 folds a module's `const` into the optimised code that reads it, but must load a `var`
 * from the module's context on every read, with a type check. The hot paths read such constants on
 * every trade (`BarAggregator`'s cell offsets, the exact sums' rounding constants, the magnitude
 * limits): the `instructions` bench suite counts 586 instructions a trade through the bundled
 * `BarAggregator.push` and 637 through `RegimeDetector.pushTrade`, against 489 and 538 with `const`
 * back.
 *
 * Only a `var` the chunk never assigns again is changed (parsed, not pattern-matched); a chunk that
 * reads one before its declaration would now throw at load, which the package tests would show.
 */
const topLevelConst: NonNullable<Options['plugins']>[number] = {
  name: 'top-level-const',
  renderChunk(code, chunk) {
    if (!/\.c?js$/.test(chunk.path)) return;
    const file = ts.createSourceFile(chunk.path, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const assigned = new Set<string>();
    // The names a write goes to: an identifier, or those of a destructuring pattern (not `a.b = …`).
    const addTargets = (target: ts.Node): void => {
      if (ts.isIdentifier(target)) assigned.add(target.text);
      else if (ts.isShorthandPropertyAssignment(target)) assigned.add(target.name.text);
      else if (ts.isPropertyAssignment(target)) addTargets(target.initializer);
      else if (
        ts.isArrayLiteralExpression(target) ||
        ts.isObjectLiteralExpression(target) ||
        ts.isParenthesizedExpression(target) ||
        ts.isSpreadElement(target) ||
        ts.isSpreadAssignment(target) ||
        (ts.isBinaryExpression(target) && target.operatorToken.kind === ts.SyntaxKind.EqualsToken)
      )
        target.forEachChild(addTargets);
    };
    const visit = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      )
        addTargets(node.left);
      else if (
        (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
      )
        addTargets(node.operand);
      else if (
        (ts.isForInStatement(node) || ts.isForOfStatement(node)) &&
        !ts.isVariableDeclarationList(node.initializer)
      )
        addTargets(node.initializer);
      node.forEachChild(visit);
    };
    visit(file);
    let out = '';
    let at = 0;
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const list = statement.declarationList;
      if (list.flags & ts.NodeFlags.BlockScoped) continue;
      const constant = list.declarations.every(
        (d) => ts.isIdentifier(d.name) && d.initializer !== undefined && !assigned.has(d.name.text),
      );
      if (!constant) continue;
      const start = list.getStart(file);
      out += `${code.slice(at, start)}const`;
      at = start + 'var'.length;
    }
    return { code: out + code.slice(at) };
  },
};

/**
 * The dashboard page's files go to `dist/public/` (the server finds them next to its built module),
 * with the chart library the page loads, which a user's install does not otherwise have.
 */
function copyDashboardPage(): void {
  cpSync('src/adapters/dashboard/public', 'dist/public', { recursive: true });
  cpSync(
    'node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js',
    'dist/public/vendor/lightweight-charts.js',
  );
}

const common: Options = {
  target: 'node22',
  sourcemap: false,
  splitting: true,
  noExternal: bundled,
  esbuildPlugins: [modelsAsFiles],
  plugins: [topLevelConst],
};

export default defineConfig([
  {
    // The CLI is built with the ESM library so that it imports the same chunks, not a second copy.
    ...common,
    entry: { ...libraryEntries, cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: { entry: libraryEntries },
    clean: true,
    onSuccess: async () => {
      writeThirdPartyNotices();
      copyDashboardPage();
    },
  },
  {
    ...common,
    entry: libraryEntries,
    format: ['cjs'],
    // import.meta.url (the dashboard finds its page and the bundled replay month by it) in CommonJS.
    shims: true,
    dts: { entry: libraryEntries },
  },
]);
