import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { SignalSource } from '../../adapters/dashboard/sources/source.js';
import { modelOption } from '../modelOption.js';
import { printable } from '../printable.js';

/** Options of `microstream dashboard`, as commander parses them. */
interface DashboardFlags {
  source: string;
  symbols?: string;
  speed: string;
  from?: string;
  file?: string;
  market: string;
  brokers: string;
  topic: string;
  group?: string;
  history: string;
  model?: string;
  host: string;
  port: string;
  allowedHost: string[];
}

/**
 * `microstream dashboard`: the example dashboard (`npm start` in a clone) served from the package:
 * the bundled month replayed offline by default, live Binance trades, live trades of any ccxt
 * exchange (`--source ccxt:bybit`), or signals from Kafka.
 *
 * @example
 * ```ts
 * registerDashboardCommand(program); // npx microstream dashboard --source binance --symbols BTCUSDT,ETHUSDT
 * ```
 */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'serve the live regime page: the bundled BTCUSDT month replayed (offline), Binance, any ccxt exchange or Kafka',
    )
    .option(
      '--source <source>',
      'replay (bundled real klines, no network), binance (live trades), kafka (signals) or ccxt:ID (live trades of a ccxt exchange)',
      'replay',
    )
    .option(
      '--symbols <list>',
      'binance: symbols to follow (default BTCUSDT); kafka: only these; replay: the symbol; ccxt: unified symbols (default BTC/USDT)',
    )
    .option('--speed <n>', 'replay: market time per wall-clock time (60: a one-minute bar per second)', '60')
    .option('--from <time>', 'replay: start the paced replay at this time, e.g. 2024-12-14T00:00Z')
    .option('--file <file>', 'replay: a Binance klines file instead of the bundled month')
    .option('--market <market>', 'binance: spot or usdm', 'spot')
    .option('--brokers <list>', 'kafka: bootstrap brokers', '127.0.0.1:9092')
    .option('--topic <topic>', 'kafka: the signals topic `microstream kafka run` writes', 'signals')
    .option('--group <id>', 'kafka: consumer group (default: none, the whole topic from the start)')
    .option('--history <n>', 'bars a page gets when it connects', '500')
    .option('-m, --model <file>', 'model JSON (default: the bundled BTCUSDT 1-minute model)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', '8080')
    .option(
      '--allowed-host <name>',
      'a host name the server may be reached by besides localhost and IP addresses (repeatable)',
      (name: string, names: string[]) => [...names, name],
      [],
    )
    .action(async (flags: DashboardFlags, command: Command) => {
      const usageError = (message: string): never => command.error(`error: ${message}`, { exitCode: 2 });
      const number = (name: string, text: string, valid: (n: number) => boolean, expected: string) => {
        const value = Number(text);
        if (text.trim() === '' || !valid(value)) usageError(`--${name} must be ${expected}, got '${text}'`);
        return value;
      };
      const speed = number('speed', flags.speed, (n) => n > 0 && Number.isFinite(n), 'a number > 0');
      const history = number(
        'history',
        flags.history,
        (n) => Number.isInteger(n) && n >= 1,
        'an integer >= 1',
      );
      const port = number(
        'port',
        flags.port,
        (n) => Number.isInteger(n) && n >= 0 && n < 65536,
        'a TCP port',
      );
      const symbols = (flags.symbols ?? '')
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter((s) => s !== '');
      const from = flags.from === undefined ? undefined : Date.parse(flags.from);
      if (from !== undefined && Number.isNaN(from))
        usageError(`--from must be a date such as 2024-12-05T00:00Z, got '${flags.from}'`);
      const model = flags.model === undefined ? undefined : modelOption(flags.model, usageError);
      const file = flags.file === undefined ? undefined : statSync(flags.file, { throwIfNoEntry: false });
      if (flags.file !== undefined && !file?.isFile())
        usageError(
          `--file ${printable(flags.file)}: ${file === undefined ? 'no such file' : 'not a file'} (expected a klines .csv, .csv.gz or .zip)`,
        );
      // Each source is loaded only when chosen. The Kafka and ccxt ones need an optional peer
      // dependency, loaded here first, so that a missing one fails the command at once with its
      // one-line "npm install …" message instead of serving a page that never gets a signal.
      let source: SignalSource;
      switch (flags.source) {
        case 'replay': {
          const { replaySource } = await import('../../adapters/dashboard/sources/replay.js');
          source = replaySource({
            file: flags.file,
            symbol: symbols[0],
            speed,
            preroll: history,
            from,
            model,
          });
          break;
        }
        case 'binance': {
          if (flags.market !== 'spot' && flags.market !== 'usdm')
            usageError(`--market must be spot or usdm, got '${flags.market}'`);
          const { binanceSource } = await import('../../adapters/dashboard/sources/binance.js');
          source = binanceSource({
            symbols: symbols.length > 0 ? symbols : ['BTCUSDT'],
            market: flags.market as 'spot' | 'usdm',
            model,
          });
          break;
        }
        case 'kafka': {
          const { loadKafkaClient } = await import('../../adapters/kafka/kafkaClient.js');
          await loadKafkaClient();
          const { kafkaSource } = await import('../../adapters/dashboard/sources/kafka.js');
          source = kafkaSource({
            brokers: flags.brokers.split(','),
            topic: flags.topic,
            groupId: flags.group,
            symbols,
          });
          break;
        }
        default: {
          if (!/^ccxt:[a-z0-9]+$/.test(flags.source))
            return usageError(
              `--source must be replay, binance, kafka or ccxt:<exchange id>, got '${flags.source}'`,
            );
          const exchange = flags.source.slice('ccxt:'.length);
          const { ccxtSource } = await import('../../adapters/dashboard/sources/ccxt.js');
          const { createCcxtExchange } = await import('../../adapters/ccxt/loadCcxt.js');
          // Fails here, before serving a page that would stay empty, when ccxt is not installed
          // (one line: how to install it) or has no such exchange. Creating one opens no connection.
          await (await createCcxtExchange(exchange)).close();
          source = ccxtSource({
            exchange,
            symbols: symbols.length > 0 ? symbols : ['BTC/USDT'],
            model,
          });
        }
      }
      const { startDashboard } = await import('../../adapters/dashboard/startDashboard.js');
      const dashboard = await startDashboard({
        source,
        host: flags.host,
        port,
        historyLimit: history,
        allowedHosts: flags.allowedHost,
      });
      const shown = source.symbols.length > 0 ? `, ${source.symbols.join(', ')}` : '';
      console.log(`microstream dashboard (${source.name}${shown}): ${dashboard.url}`);
      let stopping = false;
      dashboard.sourceDone.then(
        () => {
          if (!stopping) console.log(`${source.name} finished; pages keep what they have. Ctrl-C to stop.`);
        },
        (error: unknown) =>
          process.stderr.write(
            `microstream dashboard: ${source.name} failed: ${printable(error instanceof Error ? error.message : String(error), 600)}\n`,
          ),
      );
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          stopping = true;
          dashboard.close().then(() => process.exit(0));
        });
      }
    });
}
