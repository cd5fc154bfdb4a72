#!/usr/bin/env node
/**
 * `npm run bench`: every watcher side by side, one run, each in a fresh child process per scenario run.
 * Writes bench/RESULTS.md (tables, targets, machine, how to rerun) and bench/results.json beside it.
 * See `node bench/run.mjs --help`; the scenarios live in lib/scenarios/, the watchers in lib/adapters/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, USAGE } from './lib/config.mjs';
import { machineInfo } from './lib/machine.mjs';
import { renderReport } from './lib/report.mjs';
import { readSections, writeSection } from './lib/section.mjs';
import { runBurst } from './lib/scenarios/burst.mjs';
import { runCheckout } from './lib/scenarios/checkout.mjs';
import { runLatency } from './lib/scenarios/latency.mjs';
import { runReady } from './lib/scenarios/ready.mjs';
import { restartAvailable, runDowntime, runLiveReload, runRestart } from './lib/scenarios/restart.mjs';
import { removeSnapshot, snapshotPackage } from './lib/snapshot.mjs';
import { removeTrees, TREES_DIR } from './lib/tree.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH_DIR);
/** watchfiles-node's default step (src/watch/options.ts DEFAULTS.step): the latency target is step + 5 ms. */
const OUR_STEP_MS = 50;
// A lone edit after a quiet spell leaves after this (the core's quick step, crates/core/src/engine/quick.rs).
const OUR_QUICK_STEP_MS = 5;

const log = (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function checkBuild(config) {
  const dist = path.join(REPO, 'dist', 'index.js');
  const needsUs = config.watchers.some((w) => w.ours);
  if (needsUs && !fs.existsSync(dist)) {
    throw new Error(`${dist} is missing: build it with \`npx tsup\` and run the bench again`);
  }
  if (!needsUs) return;
  const newest = newestMtime(path.join(REPO, 'src'));
  if (newest > fs.statSync(dist).mtimeMs) log('warning: src/ is newer than dist/: run `npx tsup` to bench the current code');
  const addon = fs.readdirSync(REPO).filter((f) => f.endsWith('.node'));
  log(addon.length ? `native addon: ${addon.join(', ')}` : 'no native addon at the repo root: watchfiles-node runs its JS fallback');
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return newest;
}

async function main() {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (config.renderOnly) return renderOnly(config);
  checkBuild(config);
  if (config.watchers.some((w) => w.ours)) snapshotPackage();
  // Ctrl-C: the children see their IPC channel close and exit; the temp files go with us.
  process.once('SIGINT', () => {
    log('interrupted: removing the snapshot and temp trees');
    removeSnapshot();
    if (!config.keepTrees) removeTrees();
    process.exit(130);
  });
  const started = Date.now();
  const machine = machineInfo(path.dirname(TREES_DIR));
  const ctx = { config, watchers: config.watchers, baseline: config.baseline, log };
  const results = {
    meta: {
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      mode: config.quick ? 'quick' : config.partial ? 'partial' : 'full',
      machine,
      ourStepMs: OUR_STEP_MS,
      ourQuickStepMs: OUR_QUICK_STEP_MS,
      config: {
        repeats: config.repeats,
        idleMs: config.idleMs,
        settleMs: config.settleMs,
        trees: config.trees,
        latency: config.latency,
        burst: config.burst,
        checkout: config.checkout,
        watchers: config.watchers.map((w) => w.id),
        scenarios: config.scenarios,
      },
    },
  };
  log(`${results.meta.mode} run: ${config.watchers.map((w) => w.id).join(', ')}; scenarios ${config.scenarios.join(', ')}`);
  try {
    const want = (s) => config.scenarios.includes(s);
    if (want('ready')) results.ready = await runReady(ctx);
    if (want('latency')) results.latency = await runLatency(ctx);
    if (want('burst')) results.burst = await runBurst(ctx);
    if (want('checkout')) results.checkout = await runCheckout(ctx);
    if (want('restart')) {
      if (restartAvailable()) results.restart = await runRestart(ctx);
      else log('restart: bench/restart.mjs does not exist yet; skipped');
    }
    if (want('downtime')) results.downtime = await runDowntime(ctx);
    if (want('livereload')) results.livereload = await runLiveReload(ctx);
  } finally {
    if (!config.keepTrees) removeTrees();
    removeSnapshot();
  }
  results.meta.durationS = (Date.now() - started) / 1000;
  const md = path.join(BENCH_DIR, `${config.out}.md`);
  const json = path.join(BENCH_DIR, `${config.out.toLowerCase()}.json`);
  const final = config.merge ? mergeInto(json, results, config.scenarios) : results;
  fs.writeFileSync(json, JSON.stringify(final, null, 2) + '\n');
  const standalone = readSections(md);
  fs.writeFileSync(md, renderReport(final));
  for (const [name, text] of standalone) writeSection(name, text, md);
  log(`done in ${(results.meta.durationS / 60).toFixed(1)} min: ${path.relative(REPO, md)}, ${path.relative(REPO, json)}`);
}


/** --render-only: RESULTS.md again from the JSON beside it, e.g. after a change to the report's layout. */
function renderOnly(config) {
  const json = path.join(BENCH_DIR, `${config.out.toLowerCase()}.json`);
  if (!fs.existsSync(json)) throw new Error(`--render-only: ${json} does not exist; run the bench first`);
  const md = path.join(BENCH_DIR, `${config.out}.md`);
  const standalone = readSections(md);
  fs.writeFileSync(md, renderReport(JSON.parse(fs.readFileSync(json, 'utf8'))));
  for (const [name, text] of standalone) writeSection(name, text, md);
  log(`wrote ${path.relative(REPO, md)} from ${path.relative(REPO, json)}`);
}

/**
 * --merge: the earlier results with this run's scenarios in place of theirs, and a note saying which
 * scenarios came from which run (ratios stay within each scenario's own run).
 */
function mergeInto(jsonPath, results, scenarios) {
  if (!fs.existsSync(jsonPath)) throw new Error(`--merge: ${jsonPath} does not exist; run without --merge first`);
  const earlier = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  for (const s of scenarios) if (results[s] !== undefined) earlier[s] = results[s];
  // Our batching settings are the build's: the newest run's.
  earlier.meta.ourStepMs = results.meta.ourStepMs;
  earlier.meta.ourQuickStepMs = results.meta.ourQuickStepMs;
  earlier.meta.merged = [
    ...(earlier.meta.merged ?? []),
    { scenarios: scenarios.filter((s) => results[s] !== undefined), command: results.meta.command, date: results.meta.machine.date },
  ];
  return earlier;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
