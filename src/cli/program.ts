import { Command } from 'commander';
import { version } from '../../package.json';
import { registerBarsCommand } from './commands/bars.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerKafkaCommand } from './commands/kafka.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerTrainCommand } from './commands/train.js';

/**
 * The `microstream` command tree, every subcommand registered; run it with `runCli`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(createProgram(), process.argv);
 * ```
 */
export function createProgram(): Command {
  const program = new Command('microstream')
    .description('Real-time market microstructure and liquidity-regime estimation')
    .version(version);
  registerBarsCommand(program);
  registerTrainCommand(program);
  registerReplayCommand(program);
  registerEvaluateCommand(program);
  registerKafkaCommand(program);
  registerDashboardCommand(program);
  return program;
}
