/**
 * Edit-to-callback latency: edit one file at a time (a different file each time, spread over the tree),
 * and time from just before the write to the first callback that names that file. Gaps between edits
 * vary (deterministically) so pollers are not caught in phase.
 */
import fs from 'node:fs';
import { ensureTree, spreadFiles, treeName } from '../tree.mjs';
import { percentile, max } from '../stats.mjs';
import { med, rowBase, roundRobin, sleep, withWatcher } from './common.mjs';

export async function runLatency({ config, watchers, log }) {
  const spec = config.latency.tree;
  const root = ensureTree(spec, log);
  const files = spreadFiles(root, spec, config.latency.edits);
  log(`latency on ${treeName(spec)}: ${files.length} edits, ${config.repeats} rounds`);
  const runs = await roundRobin(watchers, config.repeats, (w, round) => latencyRun(w.id, root, files, round, config), log);
  return watchers.map((w) => {
    const r = runs.get(w.id);
    return {
      tree: treeName(spec),
      ...rowBase(w.id, r),
      edits: files.length,
      p50Ms: med(r, 'p50Ms'),
      p95Ms: med(r, 'p95Ms'),
      maxMs: med(r, 'maxMs'),
      missed: med(r, 'missed'),
      runs: r.map(({ latencies, ...rest }) => rest),
    };
  });
}

function latencyRun(watcherId, root, files, round, config) {
  return withWatcher(watcherId, root, async (proc) => {
    await sleep(config.latency.settleMs);
    const latencies = [];
    let missed = 0;
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const from = proc.batches.length;
      const t0 = process.hrtime.bigint();
      fs.writeFileSync(file, `// edit ${round}.${i} at ${t0}\n`);
      const hit = await proc.waitForBatch((b) => b.t >= t0 && b.paths.includes(file), from, config.latency.timeoutMs);
      if (hit) latencies.push(Number(hit.t - t0) / 1e6);
      else missed++;
      await sleep(config.latency.gapMs + ((i * 37) % 100));
    }
    return {
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      maxMs: max(latencies),
      missed,
      latencies,
    };
  });
}
