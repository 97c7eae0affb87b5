/**
 * A bot on two exchanges at once: live trades of a few symbols on Binance and Bybit, through
 * ccxt (`microstream/ccxt`; `npm install ccxt`), into one regime router per exchange (the same
 * symbol on two exchanges is two markets). Prints every regime change of a warm detector, then a
 * summary. The detectors start cold: the bundled model is warm after 1 500 one-minute bars.
 *
 *   npx tsx examples/ccxt-router.ts
 *   npx tsx examples/ccxt-router.ts --feed binance=BTC/USDT,ETH/USDT --feed okx=BTC/USDT:USDT --duration 600
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type CcxtExchange, ccxtTrades } from '../src/adapters/ccxt/index.js';
import { createRegimeRouter, type RegimeRouter, type RegimeSignal } from '../src/index.js';

/** One exchange and the ccxt unified symbols to follow on it. */
export interface Feed {
  exchange: string | CcxtExchange;
  symbols: string[];
}

/**
 * Streams every feed into its own router until `signal` aborts; calls `onSignal` with each
 * signal and the exchange it came from. Resolves with the routers by exchange id.
 *
 * @example
 * ```ts
 * await runCcxtRouter([{ exchange: 'bybit', symbols: ['BTC/USDT'] }], { signal, onSignal: (id, s) => console.log(id, s.regime.label) });
 * ```
 */
export async function runCcxtRouter(
  feeds: Feed[],
  options: { signal: AbortSignal; onSignal: (exchange: string, signal: RegimeSignal) => void },
): Promise<Map<string, RegimeRouter>> {
  const routers = new Map<string, RegimeRouter>();
  await Promise.all(
    feeds.map(async ({ exchange, symbols }) => {
      const id = typeof exchange === 'string' ? exchange : exchange.id;
      const router = createRegimeRouter({ allowedLatenessMs: 2_000 });
      routers.set(id, router);
      const timer = setInterval(() => {
        for (const s of router.advance(Date.now())) options.onSignal(id, s);
      }, 1_000);
      try {
        const trades = ccxtTrades(exchange, symbols, {
          signal: options.signal,
          onEvent: (e) => {
            if (e.type === 'gapUnfilled')
              console.warn(`${id} ${e.symbol}: ${e.missing}+ trades lost (${e.reason})`);
          },
        });
        for await (const trade of trades) for (const s of router.pushTrade(trade)) options.onSignal(id, s);
      } finally {
        clearInterval(timer);
      }
    }),
  );
  return routers;
}

/** `--feed binance=BTC/USDT,ETH/USDT` → a feed. */
function parseFeed(text: string): Feed {
  const [exchange, symbols = ''] = text.split('=');
  return { exchange, symbols: symbols.split(',').filter((s) => s !== '') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      feed: {
        type: 'string',
        multiple: true,
        default: ['binance=BTC/USDT,ETH/USDT', 'bybit=BTC/USDT,SOL/USDT'],
      },
      /** Stop after this many seconds (default: run until Ctrl-C). */
      duration: { type: 'string' },
    },
  });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  if (values.duration !== undefined) setTimeout(() => controller.abort(), Number(values.duration) * 1000);
  let signals = 0;
  const routers = await runCcxtRouter((values.feed as string[]).map(parseFeed), {
    signal: controller.signal,
    onSignal: (id, s) => {
      signals++;
      if (s.warm && s.regime.changed)
        console.log(
          `${new Date(s.bar.openTime).toISOString().slice(0, 16)}  ${id} ${s.symbol}  → ${s.regime.label}`,
        );
    },
  });
  console.log(`${signals} signals from ${[...routers.keys()].join(', ')}`);
}
