// A static file server on 127.0.0.1 for the browser test, the benchmark and
// trying the demo form (`node test/server.mjs` serves the repository root).
// Only GET/HEAD of files under the root; nothing is fetched from elsewhere.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts the server; resolves to its base URL and a `close` function.
 * @param {string} [root] directory to serve
 * @param {number} [port] 0 for any free port
 * @param {{cache?: boolean}} [options] `cache`: let the browser cache files
 *   (for the benchmark's second visits; the tests always fetch afresh)
 */
export function serve(root = repoRoot, port = 0, options = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    let file = normalize(resolve(base, '.' + path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = resolve(file, 'index.html');
      const size = statSync(file).size;
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': options.cache ? 'public, max-age=3600' : 'no-store',
        // Cross-origin isolation: finer performance.now() for the benchmark.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok) => {
    server.listen(port, '127.0.0.1', () => {
      const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
      ok({ url: `http://127.0.0.1:${addr.port}`, close: () => new Promise((done) => server.close(() => done(undefined))) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const { url } = await serve(repoRoot, port);
  console.log(`serving ${repoRoot} at ${url}/ — demo form: ${url}/bindings-wasm/examples/form/`);
}
