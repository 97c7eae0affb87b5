/**
 * The dashboard page: connects to the server's WebSocket (`/ws`, protocol in ../protocol.ts),
 * draws the history it receives and then each live signal, and reconnects by itself when the
 * server goes away. `window.dashboard` exposes the charts and state (tests read the chart data
 * through it).
 */
import { RegimeCard } from './card.js';
import { Charts } from './charts.js';

/** Bars the page keeps drawn; older ones are let go so a page left open for days stays small. */
const maxPageBars = 5000;
const reconnectDelayMs = { first: 250, max: 5000 };

const charts = new Charts(
  document.getElementById('main-chart'),
  document.querySelectorAll('figure[data-feature]'),
);
const card = new RegimeCard(document);
const connectionElement = document.getElementById('connection');
const picker = document.getElementById('symbol-picker');
const select = /** @type {HTMLSelectElement} */ (document.getElementById('symbol'));

const state = {
  /** @type {'connecting' | 'live' | 'reconnecting' | 'ended'} */
  connection: 'connecting',
  symbol: decodeURIComponent(location.hash.slice(1)),
  /** @type {string[]} */
  symbols: [],
  /** @type {import('../protocol.js').SignalMessage['signal'][]} signals drawn, oldest first */
  signals: [],
  /** Times the page (re)connected. */
  connections: 0,
};
window.dashboard = { charts, card, state, series: charts.series };

/** @type {WebSocket | undefined} */
let socket;
let retryDelay = reconnectDelayMs.first;
let reportScheduled = false;

/** @param {typeof state.connection} connection @param {string} text */
function showConnection(connection, text) {
  state.connection = connection;
  connectionElement.dataset.state = connection;
  connectionElement.textContent = text;
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    state.connections++;
    retryDelay = reconnectDelayMs.first;
    showConnection('live', 'live');
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => {
    showConnection('reconnecting', `disconnected, retrying in ${(retryDelay / 1000).toFixed(1)} s`);
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, reconnectDelayMs.max);
  };
}

/** @param {import('../protocol.js').ServerMessage} message */
function receive(message) {
  switch (message.type) {
    case 'hello':
      document.getElementById('source').textContent = `source: ${message.source}`;
      showSymbols(message.symbols);
      if ((state.symbol || message.symbols[0]) !== undefined) subscribe(state.symbol || message.symbols[0]);
      break;
    case 'symbols':
      showSymbols(message.symbols);
      if (state.symbol === '') subscribe(message.symbols[0]);
      break;
    case 'history':
      if (message.symbol !== state.symbol) break;
      state.signals = message.signals;
      draw();
      break;
    case 'signal':
      if (message.signal.symbol !== state.symbol) break;
      state.signals.push(message.signal);
      if (state.signals.length > maxPageBars + 500) {
        state.signals = state.signals.slice(-maxPageBars);
        draw();
      } else {
        charts.append(message.signal);
        card.update(message.signal);
        reportDrawn();
      }
      break;
    case 'end':
      showConnection('ended', message.reason);
      break;
  }
}

/** Redraws everything from `state.signals`. */
function draw() {
  charts.reset(state.signals);
  card.reset(state.signals);
  reportDrawn();
}

/** @param {string[]} symbols */
function showSymbols(symbols) {
  state.symbols = symbols;
  picker.hidden = symbols.length < 2;
  select.replaceChildren(...symbols.map((s) => new Option(s, s, false, s === state.symbol)));
}

/** @param {string} symbol */
function subscribe(symbol) {
  state.symbol = symbol;
  state.signals = [];
  select.value = symbol;
  document.getElementById('symbol-name').textContent = symbol;
  if (state.symbols.length > 1) history.replaceState(null, '', `#${encodeURIComponent(symbol)}`);
  socket?.send(JSON.stringify({ type: 'subscribe', symbol }));
}

/** After the next frame (when the charts have painted), tells the server which bar is on screen. */
function reportDrawn() {
  if (reportScheduled) return;
  reportScheduled = true;
  requestAnimationFrame(() => {
    reportScheduled = false;
    const last = state.signals[state.signals.length - 1];
    if (last === undefined || socket?.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'drawn', symbol: state.symbol, openTime: last.bar.openTime }));
  });
}

select.onchange = () => subscribe(select.value);
connect();
