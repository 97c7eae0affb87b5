/**
 * Terminal output shared by the CLI commands: buffered stdout lines and a one-line progress display.
 * @module
 */

/**
 * Collects output lines and writes them to stdout in large pieces, respecting backpressure.
 *
 * @example
 * ```ts
 * const out = new BufferedStdout();
 * out.line('open_time,open,high');
 * await out.end();
 * ```
 */
export class BufferedStdout {
  #pending: string[] = [];
  #size = 0;

  constructor() {
    // `microstream … | head` closes the pipe early: stop quietly, as Unix tools do.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }

  line(text: string): void {
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 16) this.#write();
  }

  /** Resolves once stdout can take more (call now and then so memory stays bounded). */
  async drained(): Promise<void> {
    if (process.stdout.writableNeedDrain)
      await new Promise((resolve) => process.stdout.once('drain', resolve));
  }

  async end(): Promise<void> {
    this.#write();
    await this.drained();
  }

  #write(): void {
    if (this.#pending.length === 0) return;
    process.stdout.write(`${this.#pending.join('\n')}\n`);
    this.#pending = [];
    this.#size = 0;
  }
}

/**
 * A one-line progress display on stderr (rows read, rows/s, and a count of what came out), shown
 * only for runs longer than a second and only when enabled (a terminal, no `--quiet`).
 *
 * @example
 * ```ts
 * const progress = new Progress(process.stderr.isTTY === true, 'bars');
 * progress.update(rows, bars);
 * progress.clear();
 * ```
 */
export class Progress {
  readonly #enabled: boolean;
  readonly #unit: string;
  readonly #started = performance.now();
  #shownAt = 0;
  #shown = false;

  constructor(enabled: boolean, unit: string) {
    this.#enabled = enabled;
    this.#unit = unit;
  }

  seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  update(rows: number, outputs: number): void {
    const now = performance.now();
    if (!this.#enabled || now - this.#started < 1000 || now - this.#shownAt < 250) return;
    this.#shownAt = now;
    this.#shown = true;
    const rate = Math.round(rows / this.seconds()).toLocaleString('en-US');
    process.stderr.write(
      `\r\x1b[K${rows.toLocaleString('en-US')} rows, ${rate} rows/s, ${outputs} ${this.#unit}`,
    );
  }

  clear(): void {
    if (this.#shown) process.stderr.write('\r\x1b[K');
  }
}
