import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

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
