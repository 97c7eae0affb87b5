/**
 * Copies the six days around the two real Binance outages of April 2021 (150 and 284 missing
 * minutes) from the shared data set into fixtures/bars, as they are (header and rows untouched):
 *
 *   npx tsx scripts/bars/sliceOutageFixture.ts [../shared/data]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const data = process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const source = join(data, 'binance-spot', 'BTCUSDT-1m-2021-03-26_2021-04-30.csv.gz');
const from = Date.UTC(2021, 3, 19); // 2021-04-19 00:00
const to = Date.UTC(2021, 3, 26); // 2021-04-26 00:00, exclusive
const [header, ...rows] = gunzipSync(readFileSync(source)).toString('utf8').trim().split('\n');
const kept = rows.filter((row) => {
  const openTime = Number(row.slice(0, row.indexOf(',')));
  return openTime >= from && openTime < to;
});
const target = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'bars',
  'BTCUSDT-1m-2021-04-19_2021-04-25.csv.gz',
);
mkdirSync(join(target, '..'), { recursive: true });
writeFileSync(target, gzipSync(`${[header, ...kept].join('\n')}\n`, { level: 9 }));
console.log(`${kept.length} rows → ${target}`);
