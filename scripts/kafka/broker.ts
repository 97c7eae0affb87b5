/**
 * A real single-node Apache Kafka broker (KRaft, `process.roles=broker,controller`) for tests and
 * benchmarks, started from the jars that `scripts/kafka/fetch.sh` put into `.kafka/libs/`.
 *
 * Listeners are bound to 127.0.0.1 on free ports; storage and the broker log live in a fresh
 * temporary folder that `stop()` removes (the log is kept when `keepLog` is set, so a failing test
 * can show it).
 *
 * Run it by hand with `npx tsx scripts/kafka/broker.ts`: it prints the bootstrap address and
 * stops on Ctrl-C.
 *
 * @example
 * ```ts
 * const reason = brokerUnavailableReason();
 * if (reason) console.log(`skipping: ${reason}`);
 * else {
 *   const broker = await startBroker();
 *   // ... use broker.bootstrap ('127.0.0.1:PORT')
 *   await broker.stop();
 * }
 * ```
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the broker's jars (git-ignored), filled by `scripts/kafka/fetch.sh`. */
export const kafkaLibs = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.kafka', 'libs');

/** A running broker. */
export interface KafkaBroker {
  /** Bootstrap address, `127.0.0.1:PORT`. */
  bootstrap: string;
  /** Process id of the broker's JVM (e.g. to read its CPU time from `/proc/<pid>/stat`). */
  pid: number;
  /** Folder of the broker's partitions (`<topic>-<partition>/` with the record `.log` segments). */
  dataDir: string;
  /** The broker's own log (stdout and stderr of the JVM). */
  logPath: string;
  /** Last `lines` lines of the broker log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the broker (SIGTERM, then SIGKILL after 15 s) and removes its storage. */
  stop(): Promise<void>;
}

/**
 * Why a broker cannot be started on this machine, or `undefined` when it can
 * (Java on the PATH and the Kafka jars in `.kafka/libs/`).
 */
export function brokerUnavailableReason(): string | undefined {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'java is not on the PATH (install a JDK 17+, then run scripts/kafka/fetch.sh)';
  }
  if (!existsSync(kafkaLibs) || !readdirSync(kafkaLibs).some((f) => f.startsWith('kafka_2.13-'))) {
    return `no Apache Kafka jars in ${kafkaLibs} (run scripts/kafka/fetch.sh)`;
  }
  return undefined;
}

/**
 * Formats a fresh KRaft storage folder and starts a broker on it; resolves once the broker
 * accepts connections.
 */
export async function startBroker(
  opts: { timeoutMs?: number; keepLog?: boolean } = {},
): Promise<KafkaBroker> {
  const reason = brokerUnavailableReason();
  if (reason) throw new Error(`cannot start a Kafka broker: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'microstream-kafka-'));
  const [port, controllerPort] = await freePorts(2);
  const configPath = join(dir, 'server.properties');
  writeFileSync(configPath, serverProperties(port, controllerPort, join(dir, 'data')));
  const log4jPath = join(dir, 'log4j2.properties');
  writeFileSync(log4jPath, LOG4J);
  const logPath = join(dir, 'broker.log');
  const classpath = join(kafkaLibs, '*');
  const jvm = [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseSerialGC',
    `-Dlog4j2.configurationFile=${log4jPath}`,
    '-cp',
    classpath,
  ];

  // A base64url id may start with '-', which the tool's argument parser reads as an option
  // (Kafka's own `random-uuid` never hands one out for that reason): draw until it does not.
  let clusterId: string;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  // The one-shot format step needs no optimising compiler: C1 only starts faster.
  const format = [
    '-XX:TieredStopAtLevel=1',
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    '-c',
    configPath,
  ];
  try {
    execFileSync('java', [...jvm, ...format], {
      stdio: ['ignore', openSync(logPath, 'a'), openSync(logPath, 'a')],
    });
  } catch (error) {
    throw new Error(`formatting the Kafka storage failed (${String(error)}):\n${tail(logPath, 60)}`);
  }
  const log = openSync(logPath, 'a');
  const child = spawn('java', [...jvm, 'kafka.Kafka', configPath], { stdio: ['ignore', log, log] });
  const logTail = (lines = 60) => tail(logPath, lines);

  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (!readFileSync(logPath, 'utf8').includes('Kafka Server started')) {
    if (child.exitCode !== null) throw new Error(`Kafka broker exited (${child.exitCode}):\n${logTail()}`);
    if (Date.now() > deadline) {
      await stopProcess(child, exited);
      throw new Error(`Kafka broker did not start in time:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    dataDir: join(dir, 'data'),
    logPath,
    logTail,
    async stop() {
      await stopProcess(child, exited);
      if (opts.keepLog) rmSync(join(dir, 'data'), { recursive: true, force: true });
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A test group should rebalance at once, not after the production default of 3 s.
    'group.initial.rebalance.delay.ms=0',
    // Compaction of the state topic is exercised quickly on a test broker.
    'log.cleaner.backoff.ms=1000',
    '',
  ].join('\n');
}

const LOG4J = [
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = out',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  '',
].join('\n');

/** `count` ports free now, all different: each is held open until every one was found. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((done, fail) => {
            server.once('error', fail);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              done(typeof address === 'object' && address ? address.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) => new Promise((done) => (server.listening ? server.close(done) : done(undefined))),
      ),
    );
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function tail(path: string, lines: number): string {
  return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const broker = await startBroker({ keepLog: true });
  console.log(`Kafka broker on ${broker.bootstrap} (log: ${broker.logPath}); Ctrl-C stops it`);
  const stop = () => void broker.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
