import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticPath, staticFiles } from '../../../src/adapters/dashboard/staticFiles.js';

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '../../../src/adapters/dashboard/public');
const aliasedFile = fileURLToPath(new URL('../../../package.json', import.meta.url));

describe('resolveStaticPath', () => {
  it('maps paths inside the folder, and / to index.html', () => {
    expect(resolveStaticPath('/srv/public', '/')).toBe('/srv/public/index.html');
    expect(resolveStaticPath('/srv/public', '/app.js')).toBe('/srv/public/app.js');
    expect(resolveStaticPath('/srv/public', '/a/b.css')).toBe('/srv/public/a/b.css');
    expect(resolveStaticPath('/srv/public', '/a/../app.js')).toBe('/srv/public/app.js');
  });

  it.each([
    '/../secret',
    '/../../etc/passwd',
    '/%2e%2e/secret',
    '/%2E%2E%2Fsecret',
    '/..%2f..%2fetc%2fpasswd',
    '/a/../../secret',
    '/..\\secret',
    '/%5c..%5csecret',
    '/app.js%00.png',
    '/%E0%A4%A',
    '/..',
    'etc/passwd',
  ])('refuses %s', (path) => {
    expect(resolveStaticPath('/srv/public', path)).toBeUndefined();
  });
});

describe('staticFiles over real HTTP', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const serve = staticFiles(publicDir, { '/vendor/extra.json': aliasedFile });
    server = createServer((req, res) => void serve(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends the request line exactly as given (no client-side normalisation of `..`). */
  function get(path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves the page and its files with their content types', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.type).toBe('text/html; charset=utf-8');
    expect(index.body).toBe(readFileSync(join(publicDir, 'index.html'), 'utf8'));
    const app = await get('/app.js?v=1');
    expect(app.status).toBe(200);
    expect(app.type).toBe('text/javascript; charset=utf-8');
    expect(app.body).toBe(readFileSync(join(publicDir, 'app.js'), 'utf8'));
  });

  it('serves an aliased file from outside the folder only under its alias', async () => {
    const aliased = await get('/vendor/extra.json');
    expect(aliased.status).toBe(200);
    expect(aliased.body).toBe(readFileSync(aliasedFile, 'utf8'));
    expect((await get('/vendor/other.json')).status).toBe(404);
  });

  it.each([
    '/../package.json',
    '/../../package.json',
    '/%2e%2e/%2e%2e/package.json',
    '/..%2f..%2fpackage.json',
    '/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%5c..%5cpackage.json',
    `/${join(publicDir, '../../../package.json')}`,
    `//${join(publicDir, '../../../package.json')}`,
    '/sources',
    '/missing.js',
  ])('never leaves the folder: %s is a 404', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.body).toBe('not found\n');
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('/', 'POST')).status).toBe(405);
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});
