/**
 * The dashboard's WebSocket protocol (path `/ws`), JSON text frames both ways.
 *
 * Server → page: `hello` on connect; `history` (the last N signals of a symbol, replacing whatever
 * the page had) after `subscribe` and again after the server had to skip updates to a slow page;
 * `signal` for each live signal of the subscribed symbol; `symbols` when a new symbol appears;
 * `end` when the source has no more data.
 *
 * Page → server: `subscribe` to pick a symbol; `drawn` after the page has drawn a bar, which the
 * server uses to report how far behind each page is.
 *
 * @example
 * ```ts
 * ws.send(JSON.stringify({ type: 'subscribe', symbol: 'BTCUSDT' } satisfies ClientMessage));
 * ```
 */
import type { RegimeSignal } from '../../pipeline/signal.js';

/** Sent once when a page connects. */
export interface HelloMessage {
  type: 'hello';
  /** Which source feeds the server, e.g. `'replay'`. */
  source: string;
  /** Symbols with data, in display order. */
  symbols: string[];
  /** How many signals a `history` message holds at most. */
  historyLimit: number;
}

/** The last signals of one symbol, oldest first; the page replaces its data with these. */
export interface HistoryMessage {
  type: 'history';
  symbol: string;
  signals: RegimeSignal[];
}

/** One live signal. */
export interface SignalMessage {
  type: 'signal';
  /** Server wall-clock time (epoch ms, fractional) when the signal was sent. */
  sentAt: number;
  signal: RegimeSignal;
}

/** The list of symbols grew. */
export interface SymbolsMessage {
  type: 'symbols';
  symbols: string[];
}

/** The source ended (e.g. the replay file is finished); no more signals will come. */
export interface EndMessage {
  type: 'end';
  reason: string;
}

/** Any message the server sends; switch on `type`. */
export type ServerMessage = HelloMessage | HistoryMessage | SignalMessage | SymbolsMessage | EndMessage;

/** Choose the symbol whose history and live signals this page receives. */
export interface SubscribeMessage {
  type: 'subscribe';
  symbol: string;
}

/** The page has drawn the bar opening at `openTime` (epoch ms). */
export interface DrawnMessage {
  type: 'drawn';
  symbol: string;
  openTime: number;
}

/** Any message a page sends; switch on `type`. */
export type ClientMessage = SubscribeMessage | DrawnMessage;
