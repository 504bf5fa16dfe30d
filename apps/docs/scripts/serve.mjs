#!/usr/bin/env node
// Serves the built site (dist/) the way a host should: with the cross-origin isolation headers
// that wasm threads need, the right MIME types (application/wasm for WebAssembly.compile
// streaming), and VitePress's clean URLs resolved to their .html files. `pnpm docs:preview`
// runs it; the browser tests start it on a free port.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CROSS_ORIGIN_ISOLATION } from './isolation.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.gz': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a URL path names inside `root`, or null (also for paths that escape it). */
export function resolveFile(root, urlPath, base = '/') {
  let path = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  if (base !== '/' && path.startsWith(base)) path = `/${path.slice(base.length)}`;
  const full = normalize(join(root, path));
  if (full !== root && !full.startsWith(root + sep)) return null;
  const candidates = path.endsWith('/')
    ? [join(full, 'index.html')]
    : [full, `${full}.html`, join(full, 'index.html')];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

/** Starts the server; resolves with its URL and a close function. `port: 0` picks a free port. */
export function startServer({ root, port = 4173, host = '127.0.0.1', base = '/' }) {
  const dir = resolve(root);
  const server = createServer((req, res) => {
    const file = resolveFile(dir, req.url ?? '/', base);
    const headers = { ...CROSS_ORIGIN_ISOLATION, 'Cross-Origin-Resource-Policy': 'same-origin' };
    if (!file) {
      const notFound = join(dir, '404.html');
      res.writeHead(404, { ...headers, 'Content-Type': TYPES['.html'] });
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end('not found');
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolveStart({
        url: `http://${host}:${actual}${base}`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = fileURLToPath(new URL('../dist', import.meta.url));
  if (!existsSync(root)) {
    console.error('docs:preview: no dist/ yet; run `pnpm docs:build` first');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 4173);
  const { url } = await startServer({ root, port, base: process.env.NN_DOCS_BASE ?? '/' });
  console.log(`nn docs at ${url} (cross-origin isolated; Ctrl+C to stop)`);
}
