import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Maps a request path to a file inside `root`, or `undefined` when it would leave `root` (`..`,
 * percent-encoded `..` or `/`, backslashes, NUL bytes) or cannot be decoded. `/` maps to
 * `index.html`.
 *
 * @example
 * ```ts
 * resolveStaticPath('/srv/public', '/app.js');        // '/srv/public/app.js'
 * resolveStaticPath('/srv/public', '/%2e%2e/secret'); // undefined
 * ```
 */
export function resolveStaticPath(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/')) return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${decoded === '/' ? '/index.html' : decoded}`);
  return file.startsWith(base + sep) ? file : undefined;
}

/**
 * Serves regular files from one folder (GET and HEAD only); anything outside it is a 404.
 * `aliases` maps extra request paths to fixed files elsewhere (e.g. a vendored library).
 *
 * @example
 * ```ts
 * const serve = staticFiles('src/adapters/dashboard/public', { '/vendor/chart.js': chartFile });
 * http.createServer((req, res) => serve(req, res));
 * ```
 */
export function staticFiles(
  root: string,
  aliases: Record<string, string> = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = Object.hasOwn(aliases, pathname) ? aliases[pathname] : resolveStaticPath(root, pathname);
    const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (file === undefined || info === undefined || !info.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
}
