/**
 * A burst: `files` new files in `dirs` new nested directories (chains of five levels), each directory made
 * and filled at once, the case where a watcher must scan a directory it has just started to watch
 * (notify#727, parcel#243). Counts the files reported against the files made, and the callbacks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureTree, treeName } from '../tree.mjs';
import { med, rowBase, quietMsFor, roundRobin, sleep, withWatcher } from './common.mjs';

const CHAIN_DEPTH = 5;

export async function runBurst({ config, watchers, log }) {
  const { tree: spec, files, dirs } = config.burst;
  const root = ensureTree(spec, log);
  log(`burst on ${treeName(spec)}: ${files} files in ${dirs} new dirs, ${config.repeats} rounds`);
  const runs = await roundRobin(watchers, config.repeats, (w, round) => burstRun(w.id, root, round, config), log);
  return watchers.map((w) => {
    const r = runs.get(w.id);
    return {
      tree: treeName(spec),
      ...rowBase(w.id, r),
      made: files,
      reported: med(r, 'reported'),
      worstReported: worst(r.filter((x) => !x.error).map((x) => x.reported)),
      callbacks: med(r, 'callbacks'),
      writeMs: med(r, 'writeMs'),
      lastEventMs: med(r, 'lastEventMs'),
      runs: r,
    };
  });
}

const worst = (list) => (list.length ? Math.min(...list) : undefined);

/** The burst's directories: chains of CHAIN_DEPTH nested directories under `base`. */
function burstDirs(base, dirs) {
  const out = [];
  for (let chain = 0; out.length < dirs; chain++) {
    let dir = path.join(base, `chain${chain}`);
    for (let level = 0; level < CHAIN_DEPTH && out.length < dirs; level++) {
      out.push(dir);
      dir = path.join(dir, `level${level + 1}`);
    }
  }
  return out;
}

async function burstRun(watcherId, root, round, config) {
  const { files, dirs, settleMs, quietMs, deadlineMs } = config.burst;
  const base = path.join(root, 'src', `burst-${process.pid}-${watcherId}-${round}`);
  const made = new Set();
  try {
    return await withWatcher(watcherId, root, async (proc) => {
      await sleep(settleMs);
      const perDir = Math.ceil(files / dirs);
      const t0 = process.hrtime.bigint();
      for (const dir of burstDirs(base, dirs)) {
        fs.mkdirSync(dir, { recursive: true }); // the first also makes `base`: new too
        for (let i = 0; i < perDir && made.size < files; i++) {
          const f = path.join(dir, `new${i}.js`);
          fs.writeFileSync(f, `// ${i}\n`);
          made.add(f);
        }
      }
      const tWritten = process.hrtime.bigint();
      const seen = new Set();
      let scanned = 0;
      const countSeen = () => {
        for (; scanned < proc.batches.length; scanned++) {
          for (const p of proc.batches[scanned].paths) if (made.has(p)) seen.add(p);
        }
        return seen.size === made.size;
      };
      // Stop early once every file is in, after a short quiet so trailing callbacks still count.
      await proc.waitQuiet({ since: tWritten, quietMs: quietMsFor(watcherId, quietMs), deadlineMs, done: countSeen });
      await proc.waitQuiet({ since: tWritten, quietMs: 300, deadlineMs: 2000 });
      countSeen();
      const inBurst = proc.batches.filter((b) => b.t >= t0 && b.paths.some((p) => p.startsWith(base)));
      const last = inBurst.length ? inBurst[inBurst.length - 1].t : undefined;
      return {
        reported: seen.size,
        callbacks: inBurst.length,
        writeMs: Number(tWritten - t0) / 1e6,
        lastEventMs: last === undefined ? undefined : Number(last - t0) / 1e6,
      };
    });
  } finally {
    // Removed once the child is gone: the tree is shared with the next watcher.
    fs.rmSync(base, { recursive: true, force: true });
  }
}
