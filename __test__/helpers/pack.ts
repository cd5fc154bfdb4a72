/**
 * Packs watchfiles-node (built from src/ into a staging dir, with the native binary when there is one)
 * and an alias package of packages/ depending on that tarball, as npm would install them from the
 * registry. For end-to-end tests that install a real tool with an npm `overrides` entry.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, stagePackage } from '../chokidar-helpers.js';

const run = promisify(execFile);
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
export const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

async function pack(dir: string, dest: string): Promise<string> {
  const { stdout } = await run(NPM, ['pack', '--pack-destination', dest, ...NPM_QUIET], { cwd: dir, timeout: 60_000 });
  return path.join(dest, stdout.trim().split('\n').pop()!.trim());
}

/** Packs watchfiles-node and packages/<compatDir> into `root`/tarballs; returns the alias's tarball. */
export async function packAlias(root: string, compatDir: string): Promise<{ watchfiles: string; alias: string }> {
  const tarballs = path.join(root, 'tarballs');
  fs.mkdirSync(tarballs, { recursive: true });
  const wf = await stagePackage(path.join(root, 'watchfiles-node'), false);
  const manifest = JSON.parse(fs.readFileSync(path.join(wf, 'package.json'), 'utf8'));
  manifest.files = [...manifest.files, '*.node'];
  delete manifest.scripts;
  fs.writeFileSync(path.join(wf, 'package.json'), JSON.stringify(manifest, null, 2));
  const watchfiles = await pack(wf, tarballs);
  const compat = path.join(root, compatDir);
  fs.cpSync(path.join(REPO_ROOT, 'packages', compatDir), compat, { recursive: true });
  const compatManifest = JSON.parse(fs.readFileSync(path.join(compat, 'package.json'), 'utf8'));
  compatManifest.dependencies['watchfiles-node'] = `file:${watchfiles}`;
  fs.writeFileSync(path.join(compat, 'package.json'), JSON.stringify(compatManifest, null, 2));
  return { watchfiles, alias: await pack(compat, tarballs) };
}

/** `npm install` in `dir` (from the local cache when it can). */
export async function npmInstall(dir: string): Promise<void> {
  await run(NPM, ['install', '--prefer-offline', ...NPM_QUIET], { cwd: dir, timeout: 240_000 });
}

/** inotify watches held by a process (Linux): the `inotify wd:` lines of its fdinfo. */
export function inotifyWatches(pid: number): number {
  let n = 0;
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
      try {
        const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        n += info.split('\n').filter((l) => l.startsWith('inotify wd:')).length;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return 0;
  }
  return n;
}
