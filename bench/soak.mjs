#!/usr/bin/env node
/**
 * `npm run soak`: churn on a watched tree, then every consumer's picture compared with the disk (see
 * lib/soak/run.mjs). Records the run under --label in bench/soak.json and writes the "Soak" section of
 * bench/RESULTS.md from all the runs kept there.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSoakSection } from './lib/soak/report.mjs';
import { consumerClean, DEFAULTS, runSoak } from './lib/soak/run.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH_DIR);

const USAGE = `Usage: node bench/soak.mjs [options]   (npm run soak -- [options]; build first: npm run build)

  --seconds N       how long the writer churns (default ${DEFAULTS.seconds})
  --rate N          writer operations per second (default ${DEFAULTS.rate})
  --files N         files in the starting tree (default ${DEFAULTS.files})
  --seed N          the writer's seed: the same seed repeats the same operations (default ${DEFAULTS.seed})
  --watch-delay MS  time the watch() consumer spends on each batch (default ${DEFAULTS.watchDelayMs})
  --step MS         the watchers' step option (default: the library's, 50)
  --debounce MS     the watchers' debounce option (default: the library's, 1600)
  --force-polling   both watchers poll instead of using OS events
  --sample-ms MS    RSS/CPU sampling interval (default ${DEFAULTS.sampleMs})
  --label NAME      record the run in bench/soak.json and RESULTS.md under NAME (default: "latest");
                    a later run with the same label replaces it
  --json FILE       also write this run's results to FILE
  --no-record       do not touch bench/soak.json or bench/RESULTS.md
  --keep            keep the temp tree
  --help

Exit status: 0 when both consumers ended with 0 missing, 0 extra and 0 anomalies; 1 otherwise; 2 on bad input.`;

function options() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rate: { type: 'string' },
      files: { type: 'string' },
      seed: { type: 'string' },
      'watch-delay': { type: 'string' },
      'sample-ms': { type: 'string' },
      step: { type: 'string' },
      debounce: { type: 'string' },
      'force-polling': { type: 'boolean', default: false },
      label: { type: 'string', default: 'latest' },
      json: { type: 'string' },
      'no-record': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const num = (name, min, fallback) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${name} ${raw}: expected a number >= ${min}`);
    return v;
  };
  return {
    help: values.help,
    label: values.label,
    json: values.json,
    record: !values['no-record'],
    soak: {
      seconds: num('seconds', 1, DEFAULTS.seconds),
      rate: num('rate', 1, DEFAULTS.rate),
      files: Math.round(num('files', 10, DEFAULTS.files)),
      seed: Math.round(num('seed', 0, DEFAULTS.seed)),
      watchDelayMs: num('watch-delay', 0, DEFAULTS.watchDelayMs),
      sampleMs: num('sample-ms', 100, DEFAULTS.sampleMs),
      watcherOptions: Object.fromEntries(
        [
          ['step', num('step', 1, undefined)],
          ['debounce', num('debounce', 1, undefined)],
          ['forcePolling', values['force-polling'] || undefined],
        ].filter(([, v]) => v !== undefined),
      ),
      keep: values.keep,
    },
  };
}

function commit() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: REPO, encoding: 'utf8' }).trim();
    // The code under test: the last commit that touched the watcher, not a later bench-only commit.
    const code = ['src', 'crates', 'index.cjs'];
    const dirty = git('status', '--porcelain', '--', ...code) ? ' + uncommitted changes' : '';
    return `${git('log', '-1', '--format=%h', '--', ...code)}${dirty}`;
  } catch {
    return 'unknown';
  }
}

/** The command as a reader would retype it: quoted where needed, without the machine-local --json path. */
function commandLine(args) {
  const kept = args.filter((a, i) => a !== '--json' && args[i - 1] !== '--json' && !a.startsWith('--json='));
  const quoted = kept.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`));
  return quoted.length ? `npm run soak -- ${quoted.join(' ')}` : 'npm run soak';
}

let opts;
try {
  opts = options();
} catch (error) {
  process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const log = (line) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const results = await runSoak(opts.soak, log);
const run = {
  label: opts.label,
  commit: commit(),
  date: new Date().toISOString(),
  command: commandLine(process.argv.slice(2)),
  results,
};
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(run, null, 2) + '\n');
if (opts.record) {
  const jsonPath = path.join(BENCH_DIR, 'soak.json');
  const soak = fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : { runs: [] };
  soak.runs = [...soak.runs.filter((r) => r.label !== run.label), run];
  fs.writeFileSync(jsonPath, JSON.stringify(soak, null, 2) + '\n');
  writeSoakSection(soak);
  log(`recorded as "${run.label}" in bench/soak.json and bench/RESULTS.md`);
}
let clean = true;
for (const [name, c] of Object.entries(results.consumers)) {
  clean &&= consumerClean(c);
  const anomalies = Object.entries(c.anomalies ?? {}).map(([k, v]) => `${v} ${k}`).join(', ') || '0';
  log(
    `${name}: missing ${c.missingFiles} files / ${c.missingDirs} dirs, extra ${c.extraFiles} / ${c.extraDirs}, ` +
      `anomalies ${anomalies}, rescans ${c.rescanBatches}, errors ${c.errors?.count}; ` +
      `RSS ${c.rssStartMb?.toFixed(1)} -> ${c.rssEndMb?.toFixed(1)} MB (max ${c.rssMaxMb?.toFixed(1)}), CPU ${c.cpuPctDuringChurn?.toFixed(1)}%`,
  );
}
log(`writer: ${results.writer.ops} ops at ${results.writer.opsPerSecond.toFixed(0)}/s; ${clean ? 'clean' : 'NOT clean'}`);
process.exit(clean ? 0 : 1);
