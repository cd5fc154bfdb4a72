/**
 * A private copy of the built package for the length of a run (bench/.pkg/, git-ignored): dist/, the napi
 * loader and the native binary. A full run takes many minutes on a shared checkout; if someone rebuilds
 * dist/ (tsup cleans it first) or the addon meanwhile, the children must still load one consistent build,
 * the one this run reports. It sits inside the repo so dist's own imports (picomatch) still resolve.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SNAPSHOT_DIR = fileURLToPath(new URL('../.pkg/', import.meta.url));

/** Copies the build and points the children at it through WATCHFILES_BENCH_PKG (inherited by fork). */
export function snapshotPackage() {
  fs.rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
  fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
  fs.cpSync(path.join(REPO, 'dist'), path.join(SNAPSHOT_DIR, 'dist'), { recursive: true });
  for (const f of fs.readdirSync(REPO)) {
    if (f.endsWith('.node') || f === 'index.cjs') fs.copyFileSync(path.join(REPO, f), path.join(SNAPSHOT_DIR, f));
  }
  fs.writeFileSync(path.join(SNAPSHOT_DIR, 'package.json'), '{ "type": "module", "private": true }\n');
  process.env.WATCHFILES_BENCH_PKG = SNAPSHOT_DIR;
  return SNAPSHOT_DIR;
}

export function removeSnapshot() {
  fs.rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
}
