/**
 * runSoak(): the churn soak, end to end. Builds the starting tree, starts the two consumers (subscribe()
 * and a slow watch() loop), then the writer; samples the consumers' RSS and CPU meanwhile; waits until
 * both have caught up (a sentinel file made after the writer stopped, then its deletion, each seen by
 * both, with a bounded wait); and compares each consumer's model with the disk.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleProcess } from './proc.mjs';
import { buildTree, countTree, listTree } from './tree.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..', '..');

export const DEFAULTS = {
  files: 10_000,
  seconds: 450,
  rate: 500,
  seed: 1,
  watchDelayMs: 200,
  /** Options given to both watchers (step, debounce); the library's defaults when empty. */
  watcherOptions: {},
  sampleMs: 3000,
  quietTimeoutMs: 120_000,
  dist: path.join(REPO, 'dist', 'index.js'),
  keep: false,
};

/** Resolves with the first IPC message of `type` from `child`, or rejects after `ms` or if it exits. */
function message(child, type, ms, what) {
  return new Promise((resolve, reject) => {
    const done = (fn, v) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      fn(v);
    };
    const onMessage = (m) => {
      if (m?.type === type) done(resolve, m);
      else if (m?.type === 'failed') done(reject, new Error(`${what}: ${m.why}`));
    };
    const onExit = (code, signal) => done(reject, new Error(`${what}: exited (${signal ?? code}) before '${type}'`));
    const timer = setTimeout(() => done(reject, new Error(`${what}: no '${type}' within ${ms} ms`)), ms);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function startChild(script, args, name) {
  const child = fork(path.join(HERE, script), args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  child.stderrTail = '';
  child.stderr.on('data', (d) => {
    child.stderrTail = (child.stderrTail + d).slice(-4000);
  });
  child.soakName = name;
  return child;
}

/** Per-consumer series of { t, rssMb, cpuS }, one sample every `ms`. */
function sampler(children, ms, t0) {
  const series = Object.fromEntries(children.map((c) => [c.soakName, []]));
  const take = () => {
    const t = (Date.now() - t0) / 1000;
    for (const c of children) {
      const s = sampleProcess(c.pid);
      if (s) series[c.soakName].push({ t, ...s });
    }
  };
  take();
  const timer = setInterval(take, ms);
  return { series, take, stop: () => clearInterval(timer) };
}

/** Runs the soak; `log(line)` gets progress. Returns the results object (see bench/soak.mjs). */
export async function runSoak(options = {}, log = () => {}) {
  const o = { ...DEFAULTS, ...options };
  if (!fs.existsSync(o.dist)) throw new Error(`${o.dist} is missing: build with \`npm run build\` first`);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-soak-')));
  const children = [];
  try {
    log(`building ${o.files} files under ${root}`);
    buildTree(root, o.files);
    const start = countTree(listTree(root));
    const consumers = [
      startChild('consumer.mjs', ['subscribe', root, o.dist, '0', JSON.stringify(o.watcherOptions)], 'subscribe'),
      startChild('consumer.mjs', ['watch', root, o.dist, String(o.watchDelayMs), JSON.stringify(o.watcherOptions)], 'watch'),
    ];
    children.push(...consumers);
    const ended = {};
    for (const c of consumers) c.on('message', (m) => m?.type === 'ended' && (ended[c.soakName] = m.why));
    const ready = await Promise.all(consumers.map((c) => message(c, 'ready', 120_000, `${c.soakName} consumer`)));
    log(`consumers ready (${ready.map((r) => r.backend).join(', ')}); writer: ${o.rate} ops/s for ${o.seconds} s, seed ${o.seed}`);

    const t0 = Date.now();
    const samples = sampler(consumers, o.sampleMs, t0);
    const cpu0 = consumers.map((c) => sampleProcess(c.pid)?.cpuS ?? 0);
    const writer = startChild('writer.mjs', [root, String(o.seed), String(o.rate), String(o.seconds)], 'writer');
    children.push(writer);
    const progress = setInterval(() => {
      const last = consumers.map((c) => samples.series[c.soakName].at(-1));
      log(`${Math.round((Date.now() - t0) / 1000)} s: RSS ${last.map((s, i) => `${consumers[i].soakName} ${s?.rssMb.toFixed(0) ?? '?'} MB`).join(', ')}`);
    }, 30_000);
    let done;
    try {
      done = await message(writer, 'done', (o.seconds + 120) * 1000, 'writer');
    } finally {
      clearInterval(progress);
    }
    const churnS = (Date.now() - t0) / 1000;
    const cpu1 = consumers.map((c) => sampleProcess(c.pid)?.cpuS ?? 0);
    log(`writer done: ${done.stats.ops} ops (${done.stats.opsPerSecond.toFixed(0)}/s); waiting for the consumers to catch up`);

    // Quiet: a sentinel made now is reported after everything the writer did (one ordered event queue);
    // then its deletion, so the model compared below holds neither.
    const sentinel = 'zz-soak-sentinel.txt';
    const quiet = {};
    const waitAll = async (present) => {
      await Promise.all(
        consumers.map(async (c) => {
          const t = Date.now();
          if (ended[c.soakName]) return (quiet[c.soakName] = 'ended');
          c.send({ type: 'wait', path: sentinel, present });
          try {
            await message(c, 'waited', o.quietTimeoutMs, `${c.soakName} consumer`);
            if (typeof quiet[c.soakName] !== 'string') quiet[c.soakName] = (quiet[c.soakName] ?? 0) + (Date.now() - t);
          } catch (error) {
            quiet[c.soakName] = `not caught up: ${error.message}`;
          }
        }),
      );
    };
    fs.writeFileSync(path.join(root, sentinel), 'quiet?\n');
    await waitAll(true);
    fs.rmSync(path.join(root, sentinel));
    await waitAll(false);
    samples.take();
    samples.stop();

    const disk = countTree(listTree(root));
    const result = { consumers: {} };
    for (const [i, c] of consumers.entries()) {
      const series = samples.series[c.soakName];
      let compared;
      try {
        c.send({ type: 'compare' });
        compared = await message(c, 'compared', 60_000, `${c.soakName} consumer`);
      } catch (error) {
        compared = { compare: null, stats: null, errors: { count: 1, examples: [error.message] }, ended: ended[c.soakName] };
      }
      const rss = series.map((s) => s.rssMb);
      result.consumers[c.soakName] = {
        ...(compared.compare ?? { failed: true }),
        ...(compared.stats ?? {}),
        errors: compared.errors,
        ended: compared.ended ?? ended[c.soakName] ?? null,
        quietMs: quiet[c.soakName],
        rssStartMb: rss[0],
        rssEndMb: rss.at(-1),
        rssMaxMb: Math.max(...rss),
        hwmMb: series.at(-1)?.hwmMb,
        memoryAtEnd: compared.memory ?? null,
        cpuPctDuringChurn: ((cpu1[i] - cpu0[i]) / churnS) * 100,
        cpuS: (series.at(-1)?.cpuS ?? 0) - (series[0]?.cpuS ?? 0),
        series: series.map((s) => [Math.round(s.t), Math.round(s.rssMb * 10) / 10, Math.round(s.cpuS * 100) / 100]),
        stderr: c.stderrTail.trim().split('\n').slice(-5).filter(Boolean),
      };
    }
    return {
      options: { files: o.files, seconds: o.seconds, rate: o.rate, seed: o.seed, watchDelayMs: o.watchDelayMs, watcherOptions: o.watcherOptions, sampleMs: o.sampleMs },
      start,
      end: disk,
      churnS,
      writer: done.stats,
      ...result,
    };
  } finally {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        if (c.connected) c.send({ type: 'stop' });
        const exited = await Promise.race([new Promise((r) => c.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 5000))]);
        if (!exited) c.kill('SIGKILL');
      }
    }
    if (!o.keep) fs.rmSync(root, { recursive: true, force: true });
    else log(`kept the tree at ${root}`);
  }
}

/** True when a consumer ended with the model equal to the disk and nothing odd on the way. */
export function consumerClean(c) {
  return !c.failed && c.missingFiles === 0 && c.missingDirs === 0 && c.extraFiles === 0 && c.extraDirs === 0 && c.wrongType === 0 && c.anomalyCount === 0;
}
