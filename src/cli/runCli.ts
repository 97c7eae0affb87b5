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

/**
 * The error's message and, for an error wrapping others (an `AggregateError`, a `cause`), the
 * innermost first one, which names what went wrong: e.g. `joinGroup failed 4 times (Connection to
 * 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1)`, not four repeats of the retry count.
 */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const wrapped = innerError(error);
  if (wrapped === undefined) return error.message;
  // An aggregate's message repeats its inner ones: its first sentence says what was tried.
  const outer = sentence(error.message);
  const chain: string[] = [];
  for (let inner: Error | undefined = wrapped; inner !== undefined && chain.length < 8; ) {
    chain.push(sentence(inner.message));
    inner = innerError(inner);
  }
  const cause = chain.slice(-2).filter((m) => m !== outer);
  return cause.length === 0 ? outer : `${outer} (${cause.join(': ')})`;
}

function innerError(error: Error): Error | undefined {
  const inner = (error as { errors?: unknown[] }).errors?.[0] ?? error.cause;
  return inner instanceof Error ? inner : undefined;
}

/** The first sentence of `message`, without its full stop. */
function sentence(message: string): string {
  return message.split(/(?<=\.)\s/, 1)[0].replace(/\.$/, '');
}

function oneLine(text: string): string {
  return printable(text, MAX_MESSAGE_CHARS);
}
