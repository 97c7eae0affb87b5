/**
 * The built package (`dist/`, which `npm run bench` builds first), imported as a user's code
 * imports it: the suites time the bundled code that ships, not the sources run through tsx. (The
 * two can differ: esbuild's bundling once made the hot paths' constants module variables V8 could
 * not fold, 19 % more instructions a trade — see `topLevelConst` in tsup.config.ts.)
 *
 * Imported by URL so that type-checking, which runs before the build, needs no `dist/`: the types
 * are the sources'.
 *
 * @example
 * ```ts
 * import { built } from '../lib/builtPackage.js';
 * const agg = new built.BarAggregator();
 * ```
 */
const dist = (file: string) => new URL(`../../dist/${file}`, import.meta.url).href;

/** `microstream`, built. */
export const built: typeof import('../../src/index.js') = await import(dist('index.js'));

/** `microstream/binance`, built. */
export const builtBinance: typeof import('../../src/adapters/binance/index.js') = await import(
  dist('binance.js')
);

/** `microstream/node`, built. */
export const builtNode: typeof import('../../src/node/index.js') = await import(dist('node.js'));

/** `microstream/kafka`, built. */
export const builtKafka: typeof import('../../src/adapters/kafka/index.js') = await import(dist('kafka.js'));
