import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../src/adapters/dashboard/protocol.js';
import { replaySource } from '../../src/adapters/dashboard/sources/replay.js';
import { type Dashboard, startDashboard } from '../../src/adapters/dashboard/startDashboard.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard({
    source: replaySource({ preroll: 50, speed: 1 }),
    port: 0,
    historyLimit: 50,
  });
  while (dashboard.stats().signals < 50) await new Promise((r) => setTimeout(r, 10));
});
afterAll(() => dashboard.close());

const symbol = fc.oneof(
  fc.constantFrom('BTCUSDT', 'ETHUSDT', '', '__proto__', 'x'.repeat(65)),
  fc.string({ maxLength: 70 }),
);
/** Messages a hostile page might send: valid ones, near misses, junk and oversized frames. */
const message = fc.oneof(
  symbol.map((s) => JSON.stringify({ type: 'subscribe', symbol: s })),
  fc
    .tuple(symbol, fc.oneof(fc.double(), fc.constantFrom('1', null, 1e308)))
    .map(([s, t]) => JSON.stringify({ type: 'drawn', symbol: s, openTime: t })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record({ type: fc.string({ maxLength: 10 }), symbol: fc.jsonValue({ maxDepth: 1 }) })
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{"type":"subscribe","symbol":"BTCUSDT"',
    '{"__proto__":{"type":"subscribe"}}',
    'null',
    '[]',
  ),
  fc.integer({ min: 1025, max: 3000 }).map((n) => 'x'.repeat(n)),
);

/** Opens a page, sends `messages` (some as binary frames), then a valid subscribe; reports what came back. */
function session(
  messages: { text: string; binary: boolean }[],
): Promise<{ closeCode: number; history: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${dashboard.url.replace(/^http/, 'ws')}ws`);
    let history = false;
    let sentFinal = false;
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === 'history' && m.symbol === 'FUZZEND' && sentFinal) {
        history = true;
        ws.close();
      }
    });
    ws.on('open', () => {
      for (const { text, binary } of messages) ws.send(binary ? Buffer.from(text) : text);
      sentFinal = true;
      // A symbol no message above used: its history (empty) must come back if the page is still served.
      ws.send(JSON.stringify({ type: 'subscribe', symbol: 'FUZZEND' }));
    });
    ws.on('close', (code) => resolve({ closeCode: code, history }));
    setTimeout(() => reject(new Error('no answer from the dashboard within 10 s')), 10_000).unref();
  });
}

describe("fuzz: the dashboard's message handler", () => {
  it('any sequence of page messages is answered or refused by the rules, and the server keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ text: message, binary: fc.boolean() }), { maxLength: 25 }),
        async (messages) => {
          const before = dashboard.stats().badMessages;
          const oversized = messages.some((m) => Buffer.byteLength(m.text) > 1024);
          const { closeCode, history } = await session(messages);
          if (oversized) {
            // A frame over 1 KiB closes the page's socket (1009), nothing else.
            expect(closeCode).toBe(1009);
          } else {
            expect(history).toBe(true);
            const notJson = messages.filter((m) => {
              try {
                JSON.parse(m.text);
                return m.binary;
              } catch {
                return true;
              }
            }).length;
            expect(dashboard.stats().badMessages - before).toBeGreaterThanOrEqual(notJson);
          }
          const stats = await fetch(`${dashboard.url}stats`);
          expect(stats.status).toBe(200);
          expect(dashboard.stats().symbols).toEqual(['BTCUSDT']);
        },
      ),
      { numRuns: 60 },
    );
    // Every fuzzed page has gone: nothing is left queued for them.
    await new Promise((r) => setTimeout(r, 200));
    expect(dashboard.stats().clients).toEqual([]);
  }, 120_000);
});
