// OS resources held by the layers that used to open one core watcher per root group: a WatchfilesReloader
// with six recursive root groups plus a flat one (added over twelve ticks), and a chokidar facade watcher
// with eleven add() calls. Prints the inotify instances and threads each adds to the process.
//   npm run build && node bench/one-watcher.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WatchfilesReloader } from '../dist/index.js';
import { watch } from '../dist/chokidar.js';

const held = () => ({
  inotify: fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify';
    } catch {
      return false;
    }
  }).length,
  threads: fs.readdirSync('/proc/self/task').length,
});
const minus = (a, b) => ({ inotify: a.inotify - b.inotify, threads: a.threads - b.threads });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-one-watcher-'));
const GROUPS = 6;
for (let i = 0; i < GROUPS; i++) {
  fs.mkdirSync(path.join(dir, `g${i}`, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, `g${i}`, 'sub', 'a.js'), 'x');
  fs.writeFileSync(path.join(dir, `f${i}.json`), '{}');
}
try {
  const base = held();
  const reloader = new WatchfilesReloader({ timeout: 100 });
  const ticks = reloader.tick();
  for (let i = 0; i < GROUPS; i++) {
    reloader.watchDir(path.join(dir, `g${i}`), '**/*.js').watchFile(path.join(dir, `f${i}.json`));
    await ticks.next();
    reloader.watchDir(path.join(dir, `g${i}`, 'sub'), '*.ts');
    await ticks.next();
  }
  const withReloader = minus(held(), base);
  await reloader.stop();

  const watcher = watch(path.join(dir, 'g0'));
  await new Promise((resolve) => watcher.once('ready', resolve));
  for (let i = 1; i < GROUPS; i++) {
    watcher.add(path.join(dir, `g${i}`));
    watcher.add(path.join(dir, `f${i}.json`));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const withChokidar = minus(held(), base);
  await watcher.close();
  console.log(`WatchfilesReloader, ${GROUPS} recursive groups + 1 flat: ${withReloader.inotify} inotify instance(s), ${withReloader.threads} thread(s)`);
  console.log(`chokidar facade, ${2 * GROUPS - 1} add() calls: ${withChokidar.inotify} inotify instance(s), ${withChokidar.threads} thread(s)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
