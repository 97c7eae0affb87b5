import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { binanceTrades } from '../../adapters/binance/index.js';
import { ccxtTrades } from '../../adapters/ccxt/ccxtTrades.js';
import { createCcxtExchange } from '../../adapters/ccxt/loadCcxt.js';
import { createDetectorTopics } from '../../adapters/kafka/createDetectorTopics.js';
import { produceTrades } from '../../adapters/kafka/produceTrades.js';
import { runKafkaDetector } from '../../adapters/kafka/runKafkaDetector.js';
import type { Trade } from '../../bars/trade.js';
import { readAggTrades } from '../../node/index.js';
import { readModelFile } from '../../node/readModelFile.js';
import { printable } from '../printable.js';
import { UsageError } from '../UsageError.js';

/** Flags shared by the `kafka` subcommands, as commander parses them. */
interface KafkaFlags {
  brokers: string;
  tradesTopic: string;
  quiet?: boolean;
}

/** Flags of `microstream kafka run`. */
interface RunFlags extends KafkaFlags {
  signalsTopic: string;
  stateTopic: string;
  group: string;
  model?: string;
  snapshotEvery: string;
  maxSymbols: string;
  createTopics?: string;
  replicas: string;
  signalFormat: string;
}

/** Flags of `microstream kafka produce`. */
interface ProduceFlags extends KafkaFlags {
  symbol?: string;
  market: 'spot' | 'usdm';
}

/**
 * Registers `microstream kafka run` (a member of the detector consumer group; SIGTERM or Ctrl-C
 * shuts it down gracefully) and `microstream kafka produce <file|binance|ccxt:id> [symbols...]`
 * (publishes a Binance aggTrades export, Binance's live trades, or the live trades of any ccxt
 * exchange, to the trades topic).
 *
 * @example
 * ```sh
 * microstream kafka run --brokers 10.0.0.5:9092 --group regimes --create-topics 24
 * microstream kafka produce BTCUSDT-aggTrades-2026-01-01.zip --symbol BTCUSDT
 * microstream kafka produce binance btcusdt ethusdt
 * microstream kafka produce ccxt:bybit BTC/USDT ETH/USDT
 * ```
 */
export function registerKafkaCommand(program: Command): void {
  const kafka = program.command('kafka').description('Run the regime detector on Apache Kafka (scale-out)');
  const common = (cmd: Command) =>
    cmd
      .option('--brokers <list>', 'bootstrap brokers, comma-separated host:port', '127.0.0.1:9092')
      .option('--trades-topic <name>', 'topic of trades, keyed by symbol', 'microstream-trades')
      .option('--quiet', 'print only errors');

  common(kafka.command('run'))
    .description('consume trades as a member of a consumer group, produce one signal per closed bar')
    .option('--signals-topic <name>', 'topic the signals go to', 'microstream-signals')
    .option('--state-topic <name>', 'compacted topic of detector snapshots', 'microstream-state')
    .option('--group <id>', 'consumer group id', 'microstream-detector')
    .option('--model <file>', 'model JSON (default: the bundled BTCUSDT 1-minute model)')
    .option('--snapshot-every <bars>', "snapshot a partition's detectors every N closed bars", '500')
    .option(
      '--max-symbols <n>',
      'most symbols a trades partition gets detectors for; trades of further ones are skipped and counted',
      '4096',
    )
    .option('--create-topics <partitions>', 'create the three topics first with this many partitions')
    .option('--replicas <n>', 'replication factor of topics created with --create-topics', '1')
    .option(
      '--signal-format <format>',
      'json (any reader) or binary (compact records for throughput; microstream readers take both)',
      'json',
    )
    .action(async (flags: RunFlags) => {
      // Every option is checked before connecting.
      const brokers = brokerList(flags.brokers);
      const signalFormat = flags.signalFormat;
      if (signalFormat !== 'json' && signalFormat !== 'binary')
        throw new UsageError(`--signal-format must be json or binary, got '${printable(signalFormat, 40)}'`);
      const partitions =
        flags.createTopics === undefined ? undefined : positiveInteger('--create-topics', flags.createTopics);
      const replicas = positiveInteger('--replicas', flags.replicas);
      const snapshotEveryBars = positiveInteger('--snapshot-every', flags.snapshotEvery);
      const maxSymbolsPerPartition = positiveInteger('--max-symbols', flags.maxSymbols);
      let model: ReturnType<typeof readModelFile> | undefined;
      try {
        model = flags.model ? readModelFile(flags.model) : undefined;
      } catch (error) {
        throw new UsageError(`cannot load the model: ${(error as Error).message}`);
      }
      const topics = {
        tradesTopic: flags.tradesTopic,
        signalsTopic: flags.signalsTopic,
        stateTopic: flags.stateTopic,
      };
      if (partitions !== undefined) await createDetectorTopics({ brokers, ...topics, partitions, replicas });
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      process.once('SIGINT', () => stop.abort());
      const log = (line: string) => flags.quiet || process.stderr.write(`${line}\n`);
      const refusedPartitions = new Set<number>();
      const stats = await runKafkaDetector({
        brokers,
        ...topics,
        groupId: flags.group,
        model,
        snapshotEveryBars,
        maxSymbolsPerPartition,
        signalFormat,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'assigned') log(`assigned partitions [${e.partitions.join(', ')}]`);
          else if (e.type === 'restored')
            log(
              `partition ${e.partition}: ${e.fromSnapshot ? 'restored, resuming' : 'no snapshot, starting'} at offset ${e.offset}`,
            );
          else if (e.type === 'commitFailed')
            log(`commit failed (a rebalance is under way): ${e.error.message}`);
          else if (e.type === 'refused' && !refusedPartitions.has(e.partition)) {
            // Once a partition: a producer writing endless symbol names would flood the log.
            refusedPartitions.add(e.partition);
            log(
              `partition ${e.partition} has ${maxSymbolsPerPartition} symbols: trades of further ones (first: ${printable(e.symbol, 40)}) are skipped and counted; raise --max-symbols to keep them`,
            );
          }
        },
      });
      log(
        `stopped: ${stats.trades} trades, ${stats.signals} signals, ${stats.snapshots} snapshots, ${stats.malformed} malformed, ${stats.refused} refused (--max-symbols)`,
      );
    });

  common(kafka.command('produce <source> [symbols...]'))
    .description(
      "publish trades: an aggTrades export (.csv, .csv.gz, .zip), or 'binance' or 'ccxt:<exchange id>' (e.g. ccxt:bybit; needs npm install ccxt) and live symbols",
    )
    .option('--symbol <symbol>', 'symbol of the trades in a file (exports have no symbol column)')
    .option('--market <market>', "with 'binance': spot or usdm", 'spot')
    .action(async (source: string, symbols: string[], flags: ProduceFlags) => {
      const brokers = brokerList(flags.brokers);
      const ccxtId = source.startsWith('ccxt:') ? source.slice('ccxt:'.length) : undefined;
      if (source === 'binance') {
        if (symbols.length === 0)
          throw new UsageError("name the symbols to stream: 'kafka produce binance btcusdt ethusdt'");
        if (flags.market !== 'spot' && flags.market !== 'usdm')
          throw new UsageError(`--market expects spot or usdm, got '${printable(flags.market)}'`);
      } else if (ccxtId !== undefined) {
        if (!/^[a-z0-9]+$/.test(ccxtId))
          throw new UsageError(`expected ccxt:<exchange id>, e.g. ccxt:bybit, got '${printable(source)}'`);
        if (symbols.length === 0)
          throw new UsageError("name the symbols to stream: 'kafka produce ccxt:bybit BTC/USDT ETH/USDT'");
        // One line when ccxt is not installed or has no such exchange; creating one opens no connection.
        await (await createCcxtExchange(ccxtId)).close();
      } else {
        if (!flags.symbol)
          throw new UsageError('--symbol is needed for a file (Binance exports have no symbol column)');
        if (!statSync(source, { throwIfNoEntry: false })?.isFile())
          throw new UsageError(
            `no such file: ${printable(source)} (an aggTrades export, 'binance' or 'ccxt:<exchange id>')`,
          );
      }
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      process.once('SIGINT', () => stop.abort());
      const live = source === 'binance' || ccxtId !== undefined;
      let trades: AsyncIterable<Trade>;
      if (source === 'binance')
        trades = binanceTrades({ symbols, market: flags.market, signal: stop.signal });
      else if (ccxtId !== undefined)
        trades = ccxtTrades(ccxtId, symbols, {
          signal: stop.signal,
          onEvent: (e) => {
            if (e.type === 'gapUnfilled')
              process.stderr.write(
                `\nccxt ${ccxtId}: ${e.symbol} lost ${e.exact ? '' : 'at least '}${e.missing} trades (${e.reason})\n`,
              );
          },
        });
      else trades = readAggTrades(source, { symbol: flags.symbol });
      let rejected = 0;
      const sent = await produceTrades({
        brokers,
        topic: flags.tradesTopic,
        source: trades,
        symbol: flags.symbol,
        // Live trades go out within 20 ms of arriving, batched per symbol when they come in bursts.
        lingerMs: live ? 20 : undefined,
        signal: stop.signal,
        onRejectTrade: () => {
          rejected++;
        },
        onProgress: (n) => {
          if (!flags.quiet && (live || n % 100_000 === 0)) process.stderr.write(`\r${n} trades sent`);
        },
      });
      if (!flags.quiet)
        process.stderr.write(
          `\r${sent} trades sent to ${flags.tradesTopic}${rejected > 0 ? `, ${rejected} invalid skipped` : ''}\n`,
        );
    });
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got '${printable(text)}'`);
  return n;
}

/** `--brokers` as a list of host:port, or a {@link UsageError}. */
function brokerList(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim());
  for (const broker of brokers) {
    const port = Number(/:(\d+)$/.exec(broker)?.[1]);
    if (!/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(broker) || !(port >= 1 && port <= 65535))
      throw new UsageError(`--brokers expects host:port[,host:port…], got '${printable(text)}'`);
  }
  return brokers;
}
