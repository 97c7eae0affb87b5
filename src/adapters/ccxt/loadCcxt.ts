import type { CcxtExchange } from './CcxtExchange.js';

/**
 * Creates a ccxt exchange with WebSocket support (`ccxt.pro[id]`), importing ccxt only now:
 * ccxt is an optional peer dependency of microstream, needed only by `microstream/ccxt`.
 * When ccxt is not installed the error says how to install it.
 *
 * @param id ccxt's exchange id, e.g. `'bybit'`.
 * @param config ccxt's exchange settings, e.g. `{ options: { defaultType: 'swap' } }`.
 * @example
 * ```ts
 * const bybit = await createCcxtExchange('bybit');
 * ```
 */
export async function createCcxtExchange(id: string, config: object = {}): Promise<CcxtExchange> {
  let ccxt: { pro?: Record<string, new (config: object) => CcxtExchange> };
  try {
    const module = (await import(/* @vite-ignore */ CCXT)) as { default?: typeof ccxt } & typeof ccxt;
    ccxt = module.pro ? module : (module.default ?? module);
  } catch (error) {
    if (isMissingModule(error)) throw new Error('microstream/ccxt needs the ccxt package: npm install ccxt');
    throw error;
  }
  const Exchange = ccxt.pro?.[id];
  if (typeof Exchange !== 'function') {
    const known = Object.keys(ccxt.pro ?? {}).filter((k) => typeof ccxt.pro?.[k] === 'function');
    throw new Error(
      `ccxt has no WebSocket exchange ${JSON.stringify(id)}; some it has: ${known.slice(0, 12).join(', ')}, …`,
    );
  }
  return new Exchange(config);
}

/** Whether `error` (or one it wraps, as test runners and bundlers do) says a package is not installed. */
function isMissingModule(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  }
  return false;
}

/** A variable, so that bundlers leave the optional import alone. */
const CCXT = 'ccxt';
