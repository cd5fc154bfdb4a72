#!/usr/bin/env node
// `npm run dev`'s build step: rebuild the addon only when a Rust input is newer than the host's binary, and
// the TypeScript only when src/ is newer than dist/. A no-change start costs a few stat calls, not 5-17 s.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest mtime (ms) of the files under `dir` whose name passes `keep`; 0 when there are none. */
function newest(dir, keep) {
  let max = 0;
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!e.isFile() || !keep(e.name)) continue;
    max = Math.max(max, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return max;
}

/** Oldest mtime of the given outputs; 0 when one is missing (so it counts as stale). */
function oldest(files) {
  let min = Infinity;
  for (const f of files) {
    try {
      min = Math.min(min, fs.statSync(path.join(root, f)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return min;
}

function mtime(file) {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

function run(script) {
  const r = spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function hostSuffix() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const rustInputs = Math.max(
  newest('crates', (n) => n.endsWith('.rs') || n === 'Cargo.toml'),
  mtime('Cargo.toml'),
  mtime('Cargo.lock'),
);
if (rustInputs > oldest([`watchfiles-node.${hostSuffix()}.node`, 'index.cjs', 'index.d.ts'])) run('build:native');
else console.error('dev: native addon is up to date');

const tsInputs = Math.max(newest('src', (n) => n.endsWith('.ts')), mtime('tsup.config.ts'), mtime('package.json'));
const tsOutputs = ['index', 'cli', 'register', 'register-child', 'chokidar'].flatMap((n) => [`dist/${n}.js`, `dist/${n}.cjs`]);
if (tsInputs > oldest([...tsOutputs, 'dist/spare-hold.cjs'])) run('build:ts');
else console.error('dev: dist/ is up to date');
