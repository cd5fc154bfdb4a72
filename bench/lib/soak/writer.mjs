/**
 * The soak's writer, in its own process: mixed file-system operations at a steady rate, chosen by a
 * seeded generator so a run can be repeated (the sequence of operations depends only on the seed and the
 * starting tree, not on timing). argv: <root> <seed> <opsPerSecond> <seconds>.
 *
 * Operations: create, modify, delete and rename files (across directories, and over an existing file);
 * mkdir -p of new nested directories filled with files, often renamed again a few ms later (the pattern
 * that races a watcher's flush); rename directories; rm -rf of directories. The file and directory
 * counts are kept near their starting values. Sends { type: 'done', stats } when the time is up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listTree } from './tree.mjs';

const [root, seedArg, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(seedArg));
const int = (n) => Math.floor(random() * n);

/** A set with O(1) random pick and delete (swap-remove). */
class PickSet {
  arr = [];
  index = new Map();
  get size() {
    return this.arr.length;
  }
  has(v) {
    return this.index.has(v);
  }
  add(v) {
    if (this.index.has(v)) return;
    this.index.set(v, this.arr.length);
    this.arr.push(v);
  }
  delete(v) {
    const i = this.index.get(v);
    if (i === undefined) return;
    const last = this.arr.pop();
    if (i < this.arr.length) {
      this.arr[i] = last;
      this.index.set(last, i);
    }
    this.index.delete(v);
  }
  pick() {
    return this.arr[int(this.arr.length)];
  }
}

const files = new PickSet();
const dirs = new PickSet(); // relative paths; the root itself ('') is not in it
// Sorted, so the same starting tree gives the same pick order whatever readdir's order was.
for (const [p, isDir] of [...listTree(root)].sort(([a], [b]) => (a < b ? -1 : 1))) (isDir ? dirs : files).add(p);
const target = { files: files.size, dirs: dirs.size };

const abs = (p) => path.join(root, p);
const depth = (p) => (p === '' ? 0 : p.split('/').length);
const under = (p, dir) => p.startsWith(`${dir}/`);
let seq = 0;
const newName = (kind) => `${kind}${(seq++).toString(36)}`;

const stats = { ops: 0, byKind: {}, errors: 0, errorExamples: [], filesCreated: 0, filesRemoved: 0, scheduledRenames: 0 };
const count = (kind, ops = 1) => {
  stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
  stats.ops += ops;
};

/** A directory to put something in: the root or any directory up to `maxDepth` deep. */
function pickDir(maxDepth = 6) {
  for (let i = 0; i < 8; i++) {
    if (dirs.size === 0 || int(20) === 0) return '';
    const d = dirs.pick();
    if (depth(d) <= maxDepth) return d;
  }
  return '';
}

/** Moves every known entry at or below `from` to `to` in the writer's own picture. */
function moveSubtree(from, to) {
  for (const set of [files, dirs]) {
    const moved = set.arr.filter((p) => p === from || under(p, from));
    for (const p of moved) {
      set.delete(p);
      set.add(to + p.slice(from.length));
    }
  }
}

function removeSubtree(dir) {
  let n = 0;
  for (const p of files.arr.filter((p) => under(p, dir))) (files.delete(p), n++);
  for (const p of dirs.arr.filter((p) => p === dir || under(p, dir))) dirs.delete(p);
  return n;
}

/** Files at or below `dir` (bounded count, for choosing an rm -rf that keeps the tree flat). */
function filesUnder(dir, limit) {
  let n = 0;
  for (const p of files.arr) if (under(p, dir) && ++n > limit) return n;
  return n;
}

const ops = {
  create() {
    const f = path.join(pickDir(), `${newName('n')}.txt`);
    fs.writeFileSync(abs(f), `new ${seq}\n`);
    files.add(f);
    stats.filesCreated++;
    count('create');
  },
  modify() {
    if (!files.size) return;
    fs.appendFileSync(abs(files.pick()), `edit ${seq++}\n`);
    count('modify');
  },
  delete() {
    if (!files.size) return;
    const f = files.pick();
    fs.unlinkSync(abs(f));
    files.delete(f);
    stats.filesRemoved++;
    count('delete');
  },
  renameFile() {
    if (!files.size) return;
    const f = files.pick();
    const to = path.join(pickDir(), `${newName('r')}.txt`);
    fs.renameSync(abs(f), abs(to));
    files.delete(f);
    files.add(to);
    count('renameFile');
  },
  renameFileOver() {
    if (files.size < 2) return;
    const f = files.pick();
    const over = files.pick();
    if (f === over) return;
    fs.renameSync(abs(f), abs(over));
    files.delete(f);
    stats.filesRemoved++;
    count('renameFileOver');
  },
  mkdirFill() {
    const base = pickDir(3);
    const levels = 1 + int(3);
    let d = base;
    for (let i = 0; i < levels; i++) d = path.join(d, newName('D'));
    fs.mkdirSync(abs(d), { recursive: true });
    for (let p = d; p !== base && p !== '.'; p = path.dirname(p)) dirs.add(p);
    const n = 2 + int(30);
    for (let i = 0; i < n; i++) {
      const f = path.join(d, `${newName('m')}.txt`);
      fs.writeFileSync(abs(f), `fill ${i}\n`);
      files.add(f);
    }
    stats.filesCreated += n;
    count('mkdirFill', levels + n);
    // Half of the new trees move again 3-25 operations later (~6-50 ms at 500/s), while the watcher is
    // still scanning or flushing them.
    if (random() < 0.5) {
      const top = path.join(base, path.relative(base || '.', d).split('/')[0]);
      scheduled.push({ due: stats.ops + 3 + int(23), dir: top });
    }
  },
  renameDir(given) {
    const d = given ?? (dirs.size ? dirs.pick() : undefined);
    if (d === undefined || !dirs.has(d)) return;
    let parent = '';
    for (let i = 0; i < 8; i++) {
      const p = pickDir(4);
      if (p !== d && !under(p, d)) {
        parent = p;
        break;
      }
    }
    const to = path.join(parent, newName('R'));
    fs.renameSync(abs(d), abs(to));
    moveSubtree(d, to);
    count(given ? 'renameFreshDir' : 'renameDir');
  },
  rmrf() {
    for (let i = 0; i < 8 && dirs.size; i++) {
      const d = dirs.pick();
      if (filesUnder(d, 200) > 200) continue;
      fs.rmSync(abs(d), { recursive: true });
      stats.filesRemoved += removeSubtree(d);
      count('rmrf');
      return;
    }
  },
};

/** Weights of each operation, bent toward growing or shrinking to keep the tree near its start size. */
function chooseOp() {
  const fileRatio = files.size / Math.max(1, target.files);
  const dirRatio = dirs.size / Math.max(1, target.dirs);
  const grow = fileRatio > 1.01 ? 0.1 : fileRatio < 0.99 ? 2 : 1;
  const shrink = fileRatio < 0.99 ? 0.1 : fileRatio > 1.01 ? 2 : 1;
  const w = [
    ['create', 18 * grow],
    ['modify', 25],
    ['delete', 14 * shrink],
    ['renameFile', 12],
    ['renameFileOver', 5 * shrink],
    ['mkdirFill', (dirRatio > 1.05 ? 0.3 : 3) * grow],
    ['renameDir', 3],
    ['rmrf', (dirRatio > 1.05 ? 3 : 0.6) * shrink],
  ];
  let r = random() * w.reduce((a, [, x]) => a + x, 0);
  for (const [k, x] of w) if ((r -= x) < 0) return k;
  return 'modify';
}

const scheduled = [];
function step() {
  const due = scheduled.findIndex((s) => s.due <= stats.ops);
  try {
    if (due >= 0) {
      const [s] = scheduled.splice(due, 1);
      stats.scheduledRenames++;
      if (dirs.has(s.dir)) return ops.renameDir(s.dir);
    }
    ops[chooseOp()]();
  } catch (error) {
    // The writer's picture and the disk disagree: a harness bug, reported rather than hidden.
    stats.errors++;
    if (stats.errorExamples.length < 5) stats.errorExamples.push(String(error?.message ?? error));
  }
}

process.on('disconnect', () => process.exit(0));
const t0 = performance.now();
const end = t0 + seconds * 1000;
let behindMax = 0;
while (performance.now() < end) {
  const want = Math.floor(((performance.now() - t0) / 1000) * rate);
  behindMax = Math.max(behindMax, want - stats.ops);
  // Catch up at most 100 ms worth at a time, so a stall is not followed by a burst of thousands.
  const limit = stats.ops + Math.max(1, Math.floor(rate / 10));
  while (stats.ops < want && stats.ops < limit) step();
  await sleep(4);
}
const elapsed = (performance.now() - t0) / 1000;
const disk = listTree(root);
let agrees = disk.size === files.size + dirs.size;
if (agrees) for (const [p, isDir] of disk) if (!(isDir ? dirs : files).has(p)) (agrees = false);
process.send({
  type: 'done',
  stats: {
    ...stats,
    seconds: elapsed,
    opsPerSecond: stats.ops / elapsed,
    behindMax,
    start: target,
    end: { files: files.size, dirs: dirs.size },
    writerAgreesWithDisk: agrees,
  },
});
process.disconnect();
