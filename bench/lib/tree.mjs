/**
 * Deterministic test trees under the OS temp dir. A tree is a spec (files, dirs, node_modules files); the
 * same spec always produces the same paths and contents, so every watcher in a run sees the same tree and
 * a finished tree is reused instead of written again (a marker file records that it is complete).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where all bench trees live; removed by removeTrees() unless the run was asked to keep them.
 * WATCHFILES_BENCH_DIR moves it (the tests use their own, so they never touch a running bench's trees).
 */
export const TREES_DIR = process.env.WATCHFILES_BENCH_DIR || path.join(os.tmpdir(), 'watchfiles-node-bench');

const MARKER = '.bench-tree-complete';

/**
 * The directories of a tree: `dirs` leaves, grouped ten to a parent and ten parents to a grandparent,
 * so depth and fan-out look like a real source tree (src/feature/module/file.js).
 */
export function leafDirs(dirs) {
  const out = [];
  for (let i = 0; i < dirs; i++) {
    out.push(path.join(`g${Math.floor(i / 100)}`, `s${Math.floor(i / 10) % 10}`, `d${i % 10}`));
  }
  return out;
}

/** The relative paths of the files of a tree section: `files` spread evenly over `dirs` leaf dirs. */
export function filePaths(files, dirs) {
  const leaves = leafDirs(dirs);
  const out = [];
  for (let i = 0; i < files; i++) out.push(path.join(leaves[i % dirs], `f${Math.floor(i / dirs)}.js`));
  return out;
}

/** A short name for a spec, used as the tree's directory name and in the tables. */
export function treeName({ files, dirs, nodeModulesFiles = 0 }) {
  const k = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
  return `${k(files)}-files-${k(dirs)}-dirs${nodeModulesFiles ? `+nm${k(nodeModulesFiles)}` : ''}`;
}

/**
 * Makes (or reuses) the tree for `spec` and returns its root. node_modules, when asked for, holds
 * `nodeModulesFiles` files at ten files a directory, like many small packages.
 */
export function ensureTree(spec, log = () => {}) {
  const root = path.join(TREES_DIR, treeName(spec));
  const marker = path.join(root, MARKER);
  const want = JSON.stringify(spec);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return root;
  const t0 = Date.now();
  fs.rmSync(root, { recursive: true, force: true });
  writeSection(path.join(root, 'src'), spec.files, spec.dirs);
  if (spec.nodeModulesFiles) {
    writeSection(path.join(root, 'node_modules'), spec.nodeModulesFiles, Math.ceil(spec.nodeModulesFiles / 10));
  }
  fs.writeFileSync(marker, want);
  log(`made tree ${treeName(spec)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return root;
}

function writeSection(base, files, dirs) {
  for (const leaf of leafDirs(dirs)) fs.mkdirSync(path.join(base, leaf), { recursive: true });
  for (const rel of filePaths(files, dirs)) fs.writeFileSync(path.join(base, rel), `// ${rel}\n`);
}

/**
 * The paths (absolute) of `count` distinct files spread across the whole src/ section, for edits: one from
 * each of `count` equal slices of the file list, at a different offset in each so the directories vary.
 */
export function spreadFiles(root, spec, count) {
  const all = filePaths(spec.files, spec.dirs);
  if (count > all.length) throw new Error(`asked for ${count} files to edit, the tree has ${all.length}`);
  const width = Math.floor(all.length / count);
  const out = [];
  for (let i = 0; i < count; i++) out.push(path.join(root, 'src', all[i * width + ((i * 7) % width)]));
  return out;
}

/** A fresh scratch directory for one scenario run (bursts, repos), removed by the caller. */
export function scratchDir(prefix) {
  fs.mkdirSync(TREES_DIR, { recursive: true });
  return fs.mkdtempSync(path.join(TREES_DIR, `${prefix}-`));
}

export function removeTrees() {
  fs.rmSync(TREES_DIR, { recursive: true, force: true });
}
