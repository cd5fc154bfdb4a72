/** The facts a reader needs to judge the numbers: machine, OS, Node, versions of everything compared. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(treesDir) {
  const cpus = os.cpus();
  const own = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const addon = fs.readdirSync(REPO).filter((f) => f.endsWith('.node'));
  return {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()} (${os.platform()}-${os.arch()})`,
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    filesystem: tryRun('findmnt', ['-n', '-o', 'FSTYPE', '--target', treesDir]) ?? tryRun('stat', ['-f', '-c', '%T', treesDir]) ?? 'unknown',
    treesDir,
    inotifyMaxUserWatches: readText('/proc/sys/fs/inotify/max_user_watches'),
    commit: tryRun('git', ['rev-parse', '--short', 'HEAD']),
    nativeAddon: addon.length ? addon.join(', ') : 'none (JS fallback)',
    versions: {
      'watchfiles-node': own.version,
      chokidar: pkgVersion('chokidar'),
      chokidar3: pkgVersion('chokidar3'),
      '@parcel/watcher': pkgVersion('@parcel/watcher'),
      watchpack: pkgVersion('watchpack'),
      nodemon: pkgVersion('nodemon'),
    },
  };
}
