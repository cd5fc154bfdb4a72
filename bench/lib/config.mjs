/**
 * Command-line options and the two run sizes. Full: the trees and counts the issue asks for, three rounds
 * per figure. Quick: the same scenarios, smaller, one round, under two minutes (what CI may smoke-test).
 */
import { parseArgs } from 'node:util';
import { BASELINE, WATCHERS } from './adapters/index.mjs';

export const SCENARIOS = ['ready', 'latency', 'burst', 'checkout', 'restart', 'downtime', 'livereload'];

const TREE_10K = { files: 10_000, dirs: 1_000 };
const TREE_100K = { files: 100_000, dirs: 10_000 };
const NM = 30_000;

/** Short names for --tree: 10k, 10k+nm, 100k, 100k+nm. */
const TREE_ALIASES = {
  '10k': TREE_10K,
  '10k+nm': { ...TREE_10K, nodeModulesFiles: NM },
  '100k': TREE_100K,
  '100k+nm': { ...TREE_100K, nodeModulesFiles: NM },
};

const FULL = {
  repeats: 3,
  idleMs: 5_000,
  settleMs: 1_000,
  trees: [TREE_10K, { ...TREE_10K, nodeModulesFiles: NM }, TREE_100K, { ...TREE_100K, nodeModulesFiles: NM }],
  latency: { tree: TREE_10K, edits: 50, settleMs: 500, gapMs: 100, timeoutMs: 5_000 },
  burst: { tree: TREE_10K, files: 5_000, dirs: 50, settleMs: 500, quietMs: 1_500, deadlineMs: 60_000 },
  checkout: { files: 2_000, settleMs: 500, quietMs: 1_500, deadlineMs: 60_000 },
  restartTimeoutMs: 15 * 60_000,
};

const QUICK = {
  ...FULL,
  repeats: 1,
  idleMs: 1_500,
  settleMs: 300,
  trees: [TREE_10K],
  latency: { ...FULL.latency, edits: 10, settleMs: 300 },
  burst: { ...FULL.burst, files: 1_000, dirs: 10, settleMs: 300, quietMs: 800 },
  checkout: { ...FULL.checkout, files: 500, settleMs: 300, quietMs: 800 },
  restartTimeoutMs: 60_000,
};

export const USAGE = `Usage: node bench/run.mjs [options]   (npm run bench -- [options])

  --quick              small trees, one round, under 2 minutes (writes RESULTS-quick.md)
  --only <ids>         watchers to run, comma-separated or repeated: ${WATCHERS.map((w) => w.id).join(', ')}
  --scenario <names>   scenarios to run, comma-separated or repeated: ${SCENARIOS.join(', ')}
  --tree <names>       trees for the ready/idle scenario: ${Object.keys(TREE_ALIASES).join(', ')}
                       (default: all four; quick: 10k)
  --repeats <n>        rounds per figure (default: 3, quick: 1)
  --idle-ms <ms>       idle CPU window (default: 5000, quick: 1500)
  --keep-trees         keep the generated trees in the temp dir for the next run (default: removed)
  --merge              replace only the scenarios run now in an existing RESULTS.md/results.json (or
                       RESULTS-quick with --quick, or --out), e.g. --scenario restart --merge
  --render-only        run nothing: write RESULTS.md again from results.json (or --quick's, or --out's)
  --out <name>         output base name in bench/ (default: RESULTS / results, quick: RESULTS-quick,
                       runs limited by --only, --scenario or --tree: RESULTS-partial)
  --help               this text

Builds nothing: run \`npx tsup\` first so dist/ matches src/.`;

/** Parses argv into a run config; throws an Error with the usage text on bad input. */
export function parseConfig(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        tree: { type: 'string', multiple: true },
        repeats: { type: 'string' },
        'idle-ms': { type: 'string' },
        'keep-trees': { type: 'boolean', default: false },
        merge: { type: 'boolean', default: false },
        'render-only': { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new Error(`${error.message}\n\n${USAGE}`);
  }
  if (values.help) return { help: true };
  const base = values.quick ? QUICK : FULL;
  const list = (v) => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const only = list(values.only);
  const known = new Set([...WATCHERS, BASELINE].map((w) => w.id));
  for (const id of only) if (!known.has(id)) throw new Error(`--only: unknown watcher "${id}"\n\n${USAGE}`);
  const scenarios = list(values.scenario);
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`--scenario: unknown scenario "${s}"\n\n${USAGE}`);
  const trees = list(values.tree).map((t) => {
    if (!TREE_ALIASES[t]) throw new Error(`--tree: unknown tree "${t}"\n\n${USAGE}`);
    return TREE_ALIASES[t];
  });
  const partial = only.length > 0 || scenarios.length > 0 || trees.length > 0;
  return {
    ...base,
    quick: values.quick,
    repeats: positive(values.repeats, '--repeats') ?? base.repeats,
    idleMs: positive(values['idle-ms'], '--idle-ms') ?? base.idleMs,
    watchers: only.length ? WATCHERS.filter((w) => only.includes(w.id)) : WATCHERS,
    // The empty-process row costs one child per tree and round; it comes along unless --only leaves it out.
    baseline: !only.length || only.includes('none') ? BASELINE : undefined,
    scenarios: scenarios.length ? scenarios : SCENARIOS,
    trees: trees.length ? trees : base.trees,
    keepTrees: values['keep-trees'],
    out: values.out ?? (partial && !values.merge ? 'RESULTS-partial' : values.quick ? 'RESULTS-quick' : 'RESULTS'),
    merge: values.merge,
    renderOnly: values['render-only'],
    partial,
  };
}

function positive(value, flag) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
