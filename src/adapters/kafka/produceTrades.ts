import { invalidTradeReason, readTrade, type Trade } from '../../bars/trade.js';
import { quoteValue } from '../../util/validate.js';
import { optionalFunction, positiveInteger, timerMs } from '../shared/optionChecks.js';
import { type KafkaCompression, type KafkaMessageToProduce, loadKafkaClient } from './kafkaClient.js';
import {
  brokerList,
  KAFKA_INT32_MAX,
  nonEmptyString,
  optionalAbortSignal,
  topicName,
} from './kafkaOptions.js';
import { encodeTradeBatch, MAX_TRADES_PER_BATCH } from './TradeBatch.js';
import { encodeTrade } from './wireFormat.js';

/** Options of {@link produceTrades}. */
export interface ProduceTradesOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Trades topic. */
  topic: string;
  /**
   * The trades, in trading order per symbol: e.g. `binanceTrades(...)` from `microstream/binance`,
   * `readAggTrades(file)` from `microstream/node`, or an array.
   */
  source: AsyncIterable<Trade> | Iterable<Trade>;
  /** Symbol of trades that carry none (a CSV export has no symbol column). */
  symbol?: string;
  /**
   * `'batch'` (default): one record per symbol per request, {@link encodeTradeBatch}'s columnar
   * format. `'json'`: one record per trade, {@link encodeTrade}'s JSON, for consumers other than
   * {@link runKafkaDetector}.
   */
  format?: 'batch' | 'json';
  /** Trades per produce request. Default 20 000. */
  batchSize?: number;
  /**
   * Longest a trade of an asynchronous source waits for its request to fill, in ms: a live feed's
   * trades go out at least this often. Default: no limit (a request goes when `batchSize` trades wait).
   */
  lingerMs?: number;
  /** Compression of the produce requests. Default `'none'` (measured best on loopback; see docs/kafka.md). */
  compression?: KafkaCompression;
  /** Kafka client id. Default `'microstream-producer'`. */
  clientId?: string;
  /** Aborting it stops after the current request. */
  signal?: AbortSignal;
  /** Called after each acknowledged request with the number of trades sent so far. */
  onProgress?: (sent: number) => void;
  /** Called for each invalid trade, which is skipped (see `invalidTradeReason`). */
  onRejectTrade?: (trade: Trade, reason: string) => void;
}

/**
 * Publishes trades to a trades topic, keyed by symbol (so a symbol's trades stay in order in one
 * partition), in requests acknowledged by all in-sync replicas. This is the ingestion tier in
 * front of {@link runKafkaDetector}.
 *
 * By default each request carries, per symbol, one batch record of that symbol's trades
 * ({@link encodeTradeBatch}): about 25 bytes a trade instead of about 110 as JSON, and one record
 * for the consumer to handle instead of thousands. Keys are partitioned like the Java client
 * (murmur2), so other producers of the same topic (JSON ones included) agree on where a symbol
 * goes. Invalid trades are skipped and reported to `onRejectTrade`. Resolves with the number of
 * trades sent.
 *
 * @example
 * ```ts
 * import { readAggTrades } from 'microstream/node';
 * await produceTrades({ brokers: ['127.0.0.1:9092'], topic: 'trades',
 *   source: readAggTrades('BTCUSDT-aggTrades-2026-01-01.zip'), symbol: 'BTCUSDT' });
 * ```
 */
export async function produceTrades(options: ProduceTradesOptions): Promise<number> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`produceTrades needs an options object, got ${quoteValue(options)}`);
  const brokers = brokerList(options.brokers);
  const topic = topicName(options.topic, 'topic');
  const source = options.source;
  if (
    typeof source !== 'object' ||
    source === null ||
    (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))
  )
    throw new TypeError(`source must be an iterable or async iterable of trades, got ${quoteValue(source)}`);
  const symbol = options.symbol === undefined ? undefined : nonEmptyString(options.symbol, 'symbol');
  const format = options.format ?? 'batch';
  if (format !== 'batch' && format !== 'json')
    throw new TypeError(`format must be 'batch' or 'json', got ${quoteValue(format)}`);
  const json = format === 'json';
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 20_000, KAFKA_INT32_MAX);
  const lingerMs =
    options.lingerMs === undefined ? undefined : timerMs('lingerMs', options.lingerMs, { zero: true });
  const compression = options.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression))
    throw new TypeError(
      `compression must be one of ${COMPRESSIONS.join(', ')}, got ${quoteValue(compression)}`,
    );
  const clientId = nonEmptyString(options.clientId, 'clientId', 'microstream-producer');
  const signal = optionalAbortSignal(options.signal);
  const onProgress = optionalFunction('onProgress', options.onProgress);
  const onRejectTrade = optionalFunction('onRejectTrade', options.onRejectTrade);
  const { Producer, ProduceAcks, compatibilityPartitioner } = await loadKafkaClient();
  const producer = new Producer({
    clientId,
    bootstrapBrokers: brokers,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
  });
  let sent = 0;
  let waiting = 0;
  /** The waiting trades, per symbol in arrival order. */
  let bySymbol = new Map<string, Trade[]>();
  const send = async () => {
    const messages: KafkaMessageToProduce[] = [];
    for (const [key, trades] of bySymbol) {
      const keyBytes = Buffer.from(key);
      if (json) {
        for (const t of trades) messages.push({ topic, key: keyBytes, value: encodeTrade(t) });
        continue;
      }
      for (let i = 0; i < trades.length; i += MAX_TRADES_PER_BATCH) {
        const end = Math.min(trades.length, i + MAX_TRADES_PER_BATCH);
        messages.push({ topic, key: keyBytes, value: encodeTradeBatch(key, trades, i, end) });
      }
    }
    await producer.send({ messages, compression });
    sent += waiting;
    waiting = 0;
    bySymbol = new Map();
    onProgress?.(sent);
  };
  const add = (input: Trade) => {
    // Checked, then encoded later, from one read of each field: a trade whose getters answered
    // differently on the second read would make a batch no consumer accepts (readTrade).
    const trade = readTrade(input);
    const reason = invalidTradeReason(trade);
    if (reason !== undefined) {
      onRejectTrade?.(input, reason);
      return;
    }
    const key = trade.symbol ?? symbol;
    if (key === undefined) throw new Error('a trade has no symbol: pass `symbol` for sources without one');
    let trades = bySymbol.get(key);
    if (!trades) {
      trades = [];
      bySymbol.set(key, trades);
    }
    trade.symbol = key;
    trades.push(trade);
    waiting++;
  };
  try {
    if (Symbol.asyncIterator in source && lingerMs !== undefined) {
      // A live feed: a partly filled request goes when its first trade has waited lingerMs.
      const iterator = source[Symbol.asyncIterator]();
      let next = iterator.next();
      let deadline: Promise<'linger'> | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        while (!signal?.aborted) {
          const result = deadline ? await Promise.race([next, deadline]) : await next;
          if (result === 'linger') {
            deadline = undefined;
            await send();
            continue;
          }
          if (result.done) break;
          next = iterator.next();
          add(result.value);
          if (waiting >= batchSize) {
            clearTimeout(timer);
            deadline = undefined;
            await send();
          } else if (waiting > 0 && !deadline) {
            deadline = new Promise((resolve) => {
              timer = setTimeout(() => resolve('linger'), lingerMs);
            });
          }
        }
      } finally {
        clearTimeout(timer);
        await iterator.return?.();
      }
    } else {
      for await (const trade of source) {
        add(trade);
        if (waiting >= batchSize) {
          await send();
          if (signal?.aborted) break;
        }
      }
    }
    if (waiting > 0) await send();
  } finally {
    await producer.close();
  }
  return sent;
}

/** The compressions the client offers. */
const COMPRESSIONS: readonly unknown[] = [
  'none',
  'gzip',
  'snappy',
  'lz4',
  'zstd',
] satisfies KafkaCompression[];
