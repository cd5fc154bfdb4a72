import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One ESM and one CommonJS build with types, one entry per public subpath of package.json "exports".
const entries: Record<string, string> = {
  index: 'src/index.ts',
  cli: 'src/cli/index.ts',
  register: 'src/register/index.ts',
  'register-child': 'src/register/child.ts',
  chokidar: 'src/chokidar/index.ts',
  webpack: 'src/webpack/index.ts',
  vite: 'src/vite/index.ts',
  'parcel-watcher': 'src/parcel-watcher/index.ts',
  typescript: 'src/typescript/index.ts',
};

export default defineConfig([
  {
    entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    clean: false, // never delete dist/ under a running test or process
    target: 'node20',
    splitting: false,
    sourcemap: true,
  },
  {
    // Preloads loaded by --require in NODE_OPTIONS, so CommonJS only: the warm spare's hold (warm-spare.ts) and
    // the held socket's hand-off (held-socket.ts).
    entry: { 'spare-hold': 'src/run/spare-hold.ts', 'socket-handoff': 'src/run/socket-handoff-preload.ts', 'livereload-inject': 'src/livereload/inject-preload.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    target: 'node20',
    splitting: false,
    sourcemap: false,
  },
]);
