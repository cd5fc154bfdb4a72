/**
 * A short soak (the long one is `npm run soak`): 25 s of churn at ~500 operations a second on a 2,000-file
 * tree, with files and directories created, renamed (directories often a few ms after they were made and
 * filled), deleted and rm -rf'd, while a subscribe() consumer and a slow watch() consumer apply every batch
 * to the starting listing. Once both have caught up, each picture must equal the disk: nothing missing,
 * nothing extra, no batch that contradicts what came before. The harness is bench/soak.mjs, run as a
 * real process; it builds the tree, runs the writer and the consumers as children, and compares.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers/fs.js';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..');
const SEED = 7;
const SECONDS = 25;

interface ConsumerResult {
  missingFiles: number;
  missingDirs: number;
  extraFiles: number;
  extraDirs: number;
  wrongType: number;
  anomalies: Record<string, number>;
  examples: { missing: string[]; extra: string[] };
  anomalyExamples: Record<string, string[]>;
  errors: { count: number; examples: string[] };
  ended: string | null;
  quietMs: number | string;
  batches: number;
  rssStartMb: number;
  rssMaxMb: number;
}

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

it(`after ${SECONDS} s of churn on 2,000 files, subscribe() and a slow watch() each end with a picture equal to the disk`, async () => {
  dir = tempDir('wf-soak-test-');
  const out = path.join(dir, 'soak.json');
  const args = ['bench/soak.mjs', '--files', '2000', '--seconds', String(SECONDS), '--seed', String(SEED), '--sample-ms', '1000', '--no-record', '--json', out];
  // Exit status 1 means "not clean": the JSON says how, and the assertions below show it.
  await run(process.execPath, args, { cwd: repo, timeout: 240_000 }).catch((error: { code?: unknown; stderr?: string }) => {
    if (error.code !== 1) throw error;
  });
  const { results } = JSON.parse(fs.readFileSync(out, 'utf8'));

  // The writer really churned, every kind of operation, and its own picture agrees with the disk.
  const w = results.writer;
  expect(w.writerAgreesWithDisk).toBe(true);
  expect(w.errors).toBe(0);
  expect(w.ops).toBeGreaterThan(2000);
  for (const kind of ['create', 'modify', 'delete', 'renameFile', 'renameFileOver', 'mkdirFill', 'renameDir', 'renameFreshDir', 'rmrf']) {
    expect(w.byKind[kind], kind).toBeGreaterThan(0);
  }

  // Both consumers in one assertion, so a failure shows both pictures and a few example paths.
  const summaries: Record<string, unknown> = {};
  const clean: Record<string, unknown> = {};
  const examples: Record<string, unknown> = {};
  for (const name of ['subscribe', 'watch']) {
    const c: ConsumerResult = results.consumers[name];
    summaries[name] = {
      missing: c.missingFiles + c.missingDirs,
      extra: c.extraFiles + c.extraDirs,
      wrongType: c.wrongType,
      anomalies: c.anomalies,
      errors: c.errors.count,
      ended: c.ended,
      caughtUp: typeof c.quietMs === 'number',
    };
    clean[name] = { missing: 0, extra: 0, wrongType: 0, anomalies: {}, errors: 0, ended: null, caughtUp: true };
    examples[name] = { ...c.examples, ...c.anomalyExamples, errors: c.errors.examples };
  }
  expect(summaries, `seed ${SEED}, examples: ${JSON.stringify(examples)}`).toEqual(clean);

  for (const name of ['subscribe', 'watch']) {
    const c: ConsumerResult = results.consumers[name];
    expect(c.batches).toBeGreaterThan(0);
    // Memory stays bounded while the tree's size is flat (a generous ceiling, not a timing figure).
    expect(c.rssMaxMb, `${name} RSS`).toBeLessThan(c.rssStartMb + 300);
  }
}, 300_000);
