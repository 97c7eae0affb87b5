import { compatibilityPartitioner, type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import type { Trade } from '../../bars/trade.js';
import { readAggTrades } from '../../node/index.js';
import { encodeTrade } from './wireFormat.js';

/** Options of {@link produceTrades}. */
export interface ProduceTradesOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Trades topic. */
  topic: string;
  /**
   * The trades: a Binance aggTrades export (`.csv`, `.csv.gz` or `.zip`, read with `readAggTrades`),
   * or any iterable of trades, e.g. `binanceTrades(...)` from `microstream/binance`.
   */
  source: string | AsyncIterable<Trade> | Iterable<Trade>;
  /** Symbol of trades that carry none (a CSV export has no symbol column). */
  symbol?: string;
  /** Trades per produce request. Default 5000. */
  batchSize?: number;
  /** Kafka client id. Default `'microstream-producer'`. */
  clientId?: string;
  /** Aborting it stops after the current batch. */
  signal?: AbortSignal;
  /** Called after each acknowledged batch with the number of trades sent so far. */
  onProgress?: (sent: number) => void;
}

/**
 * Publishes trades to a trades topic, keyed by symbol (so a symbol's trades stay in order in one
 * partition), as JSON, in batches acknowledged by all in-sync replicas. This is the ingestion
 * tier in front of {@link runKafkaDetector}.
 *
 * Keys are partitioned like the Java client (murmur2), so other producers of the same topic agree
 * on where a symbol goes. Resolves with the number of trades sent.
 *
 * @example
 * ```ts
 * await produceTrades({ brokers: ['127.0.0.1:9092'], topic: 'trades',
 *   source: 'BTCUSDT-aggTrades-2026-01-01.zip', symbol: 'BTCUSDT' });
 * ```
 */
export async function produceTrades(options: ProduceTradesOptions): Promise<number> {
  const { topic, symbol, signal } = options;
  const batchSize = options.batchSize ?? 5000;
  const source =
    typeof options.source === 'string' ? readAggTrades(options.source, { symbol }) : options.source;
  const producer = new Producer({
    clientId: options.clientId ?? 'microstream-producer',
    bootstrapBrokers: options.brokers,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
  });
  let sent = 0;
  let batch: MessageToProduce[] = [];
  const send = async () => {
    await producer.send({ messages: batch });
    sent += batch.length;
    batch = [];
    options.onProgress?.(sent);
  };
  try {
    for await (const trade of source) {
      const key = trade.symbol ?? symbol;
      if (key === undefined) throw new Error('a trade has no symbol: pass `symbol` for sources without one');
      batch.push({
        topic,
        key: Buffer.from(key),
        value: encodeTrade(trade.symbol ? trade : { ...trade, symbol: key }),
      });
      if (batch.length >= batchSize) {
        await send();
        if (signal?.aborted) break;
      }
    }
    if (batch.length > 0) await send();
  } finally {
    await producer.close();
  }
  return sent;
}
