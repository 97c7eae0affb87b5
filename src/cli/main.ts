import { Command } from 'commander';

const program = new Command('microstream').description(
  'Real-time market microstructure and liquidity-regime estimation',
);

await program.parseAsync(process.argv);
