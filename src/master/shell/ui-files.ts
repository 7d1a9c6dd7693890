/**
 * The web UI, served by the master at `/` from the files Vite built into `ui/dist` (`npm run
 * build`). Each built file gets its own route (no catch-all), so every other path keeps the
 * master's own 404. Files under `assets/` carry a content hash in their names and are cached by
 * browsers for a year; `index.html` is revalidated on every load, so a new build shows at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendText } from '../../common/http/mesos-http.js';

/** Where `npm run build` puts the UI, from this file's place in dist/src/master/shell. */
export const UI_DIST_DIR = fileURLToPath(new URL('../../../../ui/dist/', import.meta.url));

const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

/** Registers the UI's files; without a build, `/` says how to make one (503) instead of a bare 404. */
export function registerUiFiles(app: FastifyInstance, directory: string = UI_DIST_DIR): void {
  if (!existsSync(join(directory, 'index.html'))) {
    app.get('/', async (_request, reply) => sendText(reply, 503, `The web UI is not built (no ${join(directory, 'index.html')}): run 'npm run build'`));
    return;
  }
  void app.register(fastifyStatic, {
    root: directory,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    // Cache-Control is set per file below; ETag and Last-Modified stay on for revalidation.
    cacheControl: false,
    setHeaders: (response, path) => {
      response.setHeader('Cache-Control', path.includes('/assets/') ? HASHED_ASSET_CACHE : PAGE_CACHE);
      response.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
}
