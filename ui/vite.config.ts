// Builds the web UI into ui/dist, which the master serves at `/` (src/master/shell/ui-files.ts).
// Everything the page needs is bundled: no fonts, scripts or styles from elsewhere at run time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs, so the UI also works behind a proxy that mounts the master under a path.
  base: './',
  logLevel: 'warn',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The hashed file names in assets/ let the master tell browsers to cache them for good.
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
});
