import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One ESM and one CommonJS build with types, one entry per public subpath of package.json "exports".
const entries: Record<string, string> = {
  index: 'src/index.ts',
  cli: 'src/cli/index.ts',
  register: 'src/register/index.ts',
  'register-child': 'src/register/child.ts',
  chokidar: 'src/chokidar/index.ts',
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
    // The warm spare's preload (src/run/warm-spare.ts): loaded by --require in NODE_OPTIONS, so CommonJS only.
    entry: { 'spare-hold': 'src/run/spare-hold.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    target: 'node20',
    splitting: false,
    sourcemap: false,
  },
]);
