import { Command } from 'commander';
import { registerBarsCommand } from './commands/bars.js';

const program = new Command('microstream').description(
  'Real-time market microstructure and liquidity-regime estimation',
);
registerBarsCommand(program);

await program.parseAsync(process.argv);
