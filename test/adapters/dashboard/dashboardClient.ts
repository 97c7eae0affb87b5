import { WebSocket } from 'ws';
import type { ServerMessage } from '../../../src/adapters/dashboard/protocol.js';
import type { RegimeSignal } from '../../../src/index.js';

/**
 * A real WebSocket client of the dashboard for tests: keeps every message and the signals it
 * would draw (the last history, then live signals), and lets a test wait for a condition.
 */
export class DashboardClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** What a page would show: the last history received, then the live signals after it. */
  signals: RegimeSignal[] = [];
  #waiters: (() => void)[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, { headers });
    this.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      this.messages.push(message);
      if (message.type === 'history') this.signals = [...message.signals];
      if (message.type === 'signal') this.signals.push(message.signal);
      for (const wake of this.#waiters) wake();
    });
    this.ws.on('close', () => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves once the socket is open. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  subscribe(symbol: string): void {
    this.ws.send(JSON.stringify({ type: 'subscribe', symbol }));
  }

  /**
   * Resolves when `condition()` holds, rejects after `timeoutMs`. It is checked after every message
   * and every 50 ms, for conditions on the server's state that no further message announces.
   */
  until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters = this.#waiters.filter((w) => w !== check);
      };
      const check = () => {
        if (!condition()) return;
        stop();
        resolve();
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 50);
      this.#waiters.push(check);
      check();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
