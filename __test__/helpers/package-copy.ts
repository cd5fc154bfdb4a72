/**
 * A copy of the built package (dist/, the native loader and binary, package.json, and its runtime
 * dependencies) in a world-readable temp directory, for code a test runs as another user
 * (`nobody`). That user may not reach the clone itself: a clone under root's mode-700 home is common.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
let copy: string | undefined;

/** The copied package's root; `require(path.join(it, 'dist/index.cjs'))` loads the library. Made once per process. */
export function packageCopyForOtherUsers(): string {
  if (copy) return copy;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-pkg-'));
  const entries = ['dist', 'package.json', 'index.cjs', ...fs.readdirSync(root).filter((f) => f.endsWith('.node'))];
  for (const entry of entries) fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  // Every runtime dependency (picomatch, ws, ...), as an install would bring them.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const from = path.dirname(requireFromRoot.resolve(`${name}/package.json`));
    fs.cpSync(from, path.join(dir, 'node_modules', name), { recursive: true });
  }
  makeWorldReadable(dir);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  copy = dir;
  return dir;
}

function makeWorldReadable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWorldReadable(p);
    else fs.chmodSync(p, 0o644);
  }
}
