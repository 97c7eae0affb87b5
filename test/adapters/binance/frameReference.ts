import type { Trade } from '../../../src/bars/trade.js';

/** The reference decoding of a frame: JSON.parse, then Number() on the price and quantity strings. */
export function reference(frame: string): Trade | undefined | 'malformed' {
  let root: unknown;
  try {
    root = JSON.parse(frame);
  } catch {
    return 'malformed';
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(root)) return undefined;
  const d = isObject(root.data) ? root.data : root;
  if (d.e !== 'aggTrade' && d.e !== 'trade') return undefined;
  if (typeof d.s !== 'string' || d.s === '' || typeof d.p !== 'string' || typeof d.q !== 'string') {
    return 'malformed';
  }
  const price = Number(d.p);
  const qty = Number(d.q);
  if (!(price > 0) || price === Number.POSITIVE_INFINITY) return 'malformed';
  if (!(qty >= 0) || qty === Number.POSITIVE_INFINITY) return 'malformed';
  if (typeof d.T !== 'number' || !Number.isFinite(d.T) || typeof d.m !== 'boolean') return 'malformed';
  if (d.e === 'trade') {
    if (!Number.isSafeInteger(d.t)) return 'malformed';
    return { time: d.T, price, qty, isBuyerMaker: d.m, id: d.t as number, symbol: d.s };
  }
  if (!Number.isSafeInteger(d.a) || !Number.isSafeInteger(d.f) || !Number.isSafeInteger(d.l))
    return 'malformed';
  if ((d.l as number) < (d.f as number)) return 'malformed';
  const [id, firstId, lastId] = [d.a, d.f, d.l] as number[];
  return { time: d.T, price, qty, isBuyerMaker: d.m, id, firstId, lastId, symbol: d.s };
}

/** Same keys, and every value identical under Object.is (so -0 and 0 differ, NaN equals NaN). */
export function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
