import { type Command, CommanderError } from 'commander';
import { printable } from './printable.js';
import { UsageError } from './UsageError.js';

/** Longest error message the CLI prints (it quotes at most {@link printable}'s limit from a file). */
const MAX_MESSAGE_CHARS = 600;

/** Commander's codes for a command line it could not parse: usage errors, exit code 2. */
const COMMANDER_USAGE = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.optionMissingArgument',
  'commander.excessArguments',
  'commander.invalidArgument',
  'commander.conflictingOption',
]);

/**
 * Runs the CLI program and turns every failure into one line on stderr and an exit code: 0 for
 * `--help` and `--version`, 2 for usage errors (commander's own and {@link UsageError}), 1 for
 * anything else. No stack trace is printed; control characters are escaped and the message is
 * capped, so text from a hostile file cannot drive the terminal or flood it.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(program, process.argv);
 * ```
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  configure(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      // Commander has printed the message (through outputError below).
      return COMMANDER_USAGE.has(error.code) ? 2 : error.exitCode || 1;
    }
    process.stderr.write(`${program.name()}: error: ${oneLine(messageOf(error))}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** Every command of the tree throws instead of exiting, and prints its errors on one safe line. */
function configure(command: Command): void {
  command.exitOverride();
  command.configureOutput({ outputError: (text, write) => write(`${oneLine(text.trimEnd())}\n`) });
  for (const sub of command.commands) configure(sub);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // An AggregateError (e.g. every broker refused) says more in its first inner error.
    const inner = (error as { errors?: unknown[] }).errors?.[0];
    return inner instanceof Error && inner.message !== error.message
      ? `${error.message} (${inner.message})`
      : error.message;
  }
  return String(error);
}

function oneLine(text: string): string {
  return printable(text, MAX_MESSAGE_CHARS);
}
