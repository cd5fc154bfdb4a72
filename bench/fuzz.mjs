#!/usr/bin/env node
/**
 * The long run of the core's model-based fuzzer (crates/core/tests/fuzz): many seeds, many operations
 * each. `npm test` runs a short one (10 seeds of 150 operations plus the kept seeds); this runs e.g. 200
 * seeds of 1,000 operations and writes a "Fuzz" section of bench/RESULTS.md.
 *
 *   node bench/fuzz.mjs [--seeds 1-200] [--ops 1000] [--burst 500] [--no-write]
 *
 * A failing seed prints its report (the problems and the last operations); keep it in
 * crates/core/tests/fuzz/seeds.txt so every `cargo test` runs it from then on.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSection } from './lib/section.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1-200' },
    ops: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '500' },
    'no-write': { type: 'boolean', default: false },
  },
});
for (const [name, value] of [['ops', values.ops], ['burst', values.burst]]) {
  if (!/^[1-9]\d*$/.test(value)) {
    console.error(`bench/fuzz.mjs: --${name} takes a whole number above 0, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
}
if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(values.seeds)) {
  console.error(`bench/fuzz.mjs: --seeds takes a range or list like 1-200 or 3,17,42, got ${JSON.stringify(values.seeds)}`);
  process.exit(2);
}

const started = Date.now();
const run = spawnSync(
  'cargo',
  ['test', '--release', '-p', 'watchfiles-core', '--test', 'fuzz', '--', '--nocapture'],
  {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FUZZ_SEEDS: values.seeds, FUZZ_OPS: values.ops, FUZZ_BURST: values.burst },
    maxBuffer: 512 * 1024 * 1024,
  },
);
const out = `${run.stdout ?? ''}${run.stderr ?? ''}`;
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const lines = out.split('\n');
const ok = lines.filter((l) => /^seed \d+: /.test(l));
const failed = lines.filter((l) => /^seed \d+ FAILED/.test(l));
const summary = lines.find((l) => l.startsWith('fuzz: '));
const sum = (re) => ok.reduce((n, l) => n + Number(re.exec(l)?.[1] ?? 0), 0);
const operations = sum(/: (\d+) operations/);
const quiet = sum(/, (\d+) quiet points/);
const batches = sum(/, (\d+) batches/);
const rescans = sum(/\((\d+) rescans\)/);

if (failed.length) console.log(out.split('\n').filter((l) => !/^\s*(Compiling|Finished|Running)/.test(l)).join('\n'));
console.log(summary ?? out.slice(-4000));
console.log(`${ok.length} seeds passed, ${failed.length} failed; ${operations} operations, ${quiet} quiet points, ${batches} batches, ${rescans} rescans; ${seconds} s`);

if (!values['no-write'] && summary) {
  const file = writeSection(
    'fuzz',
    [
      '## Fuzz: the core against a model (bench/fuzz.mjs)',
      '',
      `\`node bench/fuzz.mjs --seeds ${values.seeds} --ops ${values.ops} --burst ${values.burst}\`, ${new Date().toISOString().slice(0, 10)}, ${seconds} s.`,
      'Random writes, appends, deletes, file and directory renames (across directories, over existing entries),',
      '`mkdir -p`, `rm -rf`, symlinks and bursts of files in a new directory renamed while its events are read,',
      'with `step` 1-20 ms so flushes land among them. At each quiet point a probe goes into every directory and',
      'the reported changes, applied to the starting listing, must equal the disk.',
      '',
      '| seeds passed | seeds failed | operations | quiet points checked | batches | rescans |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${ok.length} | ${failed.length} | ${operations} | ${quiet} | ${batches} | ${rescans} |`,
      '',
      failed.length ? `Failed: ${failed.map((l) => l.split(' ')[1]).join(', ')} (kept in crates/core/tests/fuzz/seeds.txt once fixed).` : '',
    ].join('\n'),
  );
  console.log(`wrote ${path.relative(root, file)}`);
}
process.exit(run.status === 0 ? 0 : 1);
