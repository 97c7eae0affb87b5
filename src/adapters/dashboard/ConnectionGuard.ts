import type { Socket } from 'node:net';
import { positiveInteger, timerMs } from '../shared/optionChecks.js';

/** Options of {@link ConnectionGuard}. */
export interface ConnectionGuardOptions {
  /** TCP connections at once, all addresses together. */
  maxConnections: number;
  /** TCP connections at once from one remote address. */
  maxConnectionsPerAddress: number;
  /**
   * A connection with no request in progress (one that sent nothing yet, is still trickling its
   * headers, or idles between keep-alive requests) is closed after this long.
   */
  idleTimeoutMs: number;
}

interface Connection {
  socket: Socket;
  address: string;
  /** `idle`: no request being served; `busy`: a request is; `upgraded`: it became a WebSocket. */
  state: 'idle' | 'busy' | 'upgraded';
  /** Closes the connection when it stays idle too long; undefined unless idle. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Admission control for the dashboard's TCP connections, so that idle or half-open connections
 * cannot lock the server: at most `maxConnections` at once and `maxConnectionsPerAddress` per
 * remote address. A new connection beyond a limit takes the place of the oldest *idle* one under
 * that limit (one that has sent no complete request, or idles between requests); when none is idle
 * it is closed unanswered. Idle connections are also closed after `idleTimeoutMs`. Connections
 * serving a request or upgraded to a WebSocket are never evicted (the WebSocket heartbeat watches
 * those).
 *
 * @example
 * ```ts
 * const guard = new ConnectionGuard({ maxConnections: 132, maxConnectionsPerAddress: 32, idleTimeoutMs: 10_000 });
 * server.on('connection', (socket) => guard.admit(socket));
 * server.on('request', (req, res) => guard.serving(req.socket, res));
 * server.on('upgrade', (req) => guard.upgraded(req.socket));
 * ```
 */
export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  /** Open connections, oldest first (a Map keeps insertion order). */
  readonly #connections = new Map<Socket, Connection>();
  readonly #perAddress = new Map<string, number>();
  #refused = 0;
  #evicted = 0;
  #timedOut = 0;

  constructor(options: ConnectionGuardOptions) {
    this.#options = {
      maxConnections: positiveInteger('maxConnections', options.maxConnections),
      maxConnectionsPerAddress: positiveInteger('maxConnectionsPerAddress', options.maxConnectionsPerAddress),
      idleTimeoutMs: timerMs('idleTimeoutMs', options.idleTimeoutMs),
    };
  }

  /** Connections refused (no idle one to evict), evicted for a newcomer, and closed for idling. */
  stats(): { connections: number; refused: number; evicted: number; timedOut: number } {
    return {
      connections: this.#connections.size,
      refused: this.#refused,
      evicted: this.#evicted,
      timedOut: this.#timedOut,
    };
  }

  /** Takes a new TCP connection in, or closes it (or an older idle one) when over a limit. */
  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const { maxConnections, maxConnectionsPerAddress } = this.#options;
    if ((this.#perAddress.get(address) ?? 0) >= maxConnectionsPerAddress && !this.#evictIdle(address)) {
      this.#refuse(socket);
      return;
    }
    if (this.#connections.size >= maxConnections && !this.#evictIdle(undefined)) {
      this.#refuse(socket);
      return;
    }
    const connection: Connection = { socket, address, state: 'idle', timer: undefined };
    this.#connections.set(socket, connection);
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => this.#forget(connection));
    this.#idle(connection);
  }

  /** A request is being served on `socket`: it may not be evicted until its response is done. */
  serving(socket: Socket, response: { once(event: 'close', listener: () => void): unknown }): void {
    const connection = this.#connections.get(socket);
    if (connection === undefined || connection.state === 'upgraded') return;
    connection.state = 'busy';
    clearTimeout(connection.timer);
    connection.timer = undefined;
    response.once('close', () => {
      if (connection.state === 'busy') this.#idle(connection);
    });
  }

  /** `socket` became a WebSocket (or is being answered on the upgrade path). */
  upgraded(socket: Socket): void {
    const connection = this.#connections.get(socket);
    if (connection === undefined) return;
    connection.state = 'upgraded';
    clearTimeout(connection.timer);
    connection.timer = undefined;
  }

  /** Closes every connection's timer (the server closes the sockets). */
  close(): void {
    for (const connection of this.#connections.values()) clearTimeout(connection.timer);
  }

  #idle(connection: Connection): void {
    connection.state = 'idle';
    clearTimeout(connection.timer);
    connection.timer = setTimeout(() => {
      this.#timedOut++;
      connection.socket.destroy();
    }, this.#options.idleTimeoutMs);
    connection.timer.unref();
  }

  /** Destroys the oldest idle connection (from `address`, or any when undefined); false when none. */
  #evictIdle(address: string | undefined): boolean {
    for (const connection of this.#connections.values()) {
      if (connection.state !== 'idle' || (address !== undefined && connection.address !== address)) continue;
      this.#evicted++;
      this.#forget(connection);
      connection.socket.destroy();
      return true;
    }
    return false;
  }

  #refuse(socket: Socket): void {
    this.#refused++;
    socket.destroy();
  }

  #forget(connection: Connection): void {
    clearTimeout(connection.timer);
    if (this.#connections.get(connection.socket) !== connection) return;
    this.#connections.delete(connection.socket);
    const left = (this.#perAddress.get(connection.address) ?? 1) - 1;
    if (left === 0) this.#perAddress.delete(connection.address);
    else this.#perAddress.set(connection.address, left);
  }
}
