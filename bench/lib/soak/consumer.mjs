/**
 * A soak consumer, in its own process so its RSS and CPU are its own. argv: <mode> <root> <distIndex>
 * <delayMs> [<watch options as JSON>]. mode 'subscribe': subscribe() with a callback; mode 'watch': a
 * for-await loop over watch() whose body takes `delayMs` per batch (a slow consumer: batches queue up and
 * are merged meanwhile).
 *
 * Every batch is applied to the starting listing (model.mjs). The parent drives it over IPC:
 *   { type: 'wait', path, present }  -> { type: 'waited', path, present } once the model agrees
 *   { type: 'compare' }              -> { type: 'compared', compare, stats, errors, memory } (model vs disk now)
 *   { type: 'stop' }                 -> closes the watcher and exits
 * It sends { type: 'ready', start } once its watcher is ready.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { TreeModel } from './model.mjs';
import { countTree, listTree } from './tree.mjs';

const [mode, root, distIndex, delayArg, watcherOptions] = process.argv.slice(2);
const delayMs = Number(delayArg ?? 0);
/** Extra watch options from the parent (e.g. step, debounce), as JSON. */
const extra = JSON.parse(watcherOptions ?? '{}');
const { subscribe, watch } = await import(pathToFileURL(distIndex).href);

const send = (msg) => process.send?.(msg);
const start = listTree(root);
const model = new TreeModel(start);
const errors = { count: 0, examples: [] };
let ended = null; // why watch() ended early, if it did
let waiting = null;

function noteError(error) {
  errors.count++;
  if (errors.examples.length < 5) errors.examples.push(`${error?.code ?? ''} ${error?.message ?? error}`.trim());
}

function onBatch(batch) {
  const rel = [];
  for (const c of batch) {
    const p = path.relative(root, c.path);
    // A change to the root itself (or outside it) has no place in the model; count it as an anomaly.
    if (p === '' || p.startsWith('..')) {
      rel.push({ change: 0, path: c.path, isDir: c.isDir });
      continue;
    }
    rel.push({ change: c.change, path: p, isDir: c.isDir });
  }
  model.apply(rel, batch.rescan === true);
  checkWaiting();
}

function checkWaiting() {
  if (waiting && model.has(waiting.path) === waiting.present) {
    send({ type: 'waited', path: waiting.path, present: waiting.present });
    waiting = null;
  }
}

const ac = new AbortController();
let sub;
if (mode === 'subscribe') {
  sub = await subscribe(root, onBatch, { ...extra, onError: noteError });
  send({ type: 'ready', start: countTree(start), backend: sub.backend });
} else if (mode === 'watch') {
  // watch() has no ready promise: with yieldOnTimeout its first next() resolves (with an empty batch)
  // only after the watches are placed and the tree was quiet for `timeout` ms, which is what ready means.
  const it = watch(root, { ...extra, signal: ac.signal, timeout: 500, yieldOnTimeout: true });
  let readySent = false;
  (async () => {
    try {
      for await (const batch of it) {
        if (!readySent) {
          readySent = true;
          send({ type: 'ready', start: countTree(start), backend: 'watch()' });
        }
        if (batch.length === 0 && !batch.rescan) continue;
        onBatch(batch);
        if (delayMs > 0) await sleep(delayMs);
      }
    } catch (error) {
      noteError(error);
      ended = `watch() threw: ${error?.code ?? ''} ${error?.message ?? error}`.trim();
      send({ type: readySent ? 'ended' : 'failed', why: ended });
    }
  })();
} else {
  throw new Error(`consumer: unknown mode ${mode}`);
}

process.on('message', async (msg) => {
  if (msg.type === 'wait') {
    waiting = { path: msg.path, present: msg.present };
    checkWaiting();
  } else if (msg.type === 'compare') {
    // Where the memory is at the end: the JS heap (the model, batches) versus everything else (native).
    const m = process.memoryUsage();
    const memory = { heapUsedMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20, externalMb: m.external / 2 ** 20 };
    send({ type: 'compared', compare: model.compare(listTree(root)), stats: model.stats(), errors, ended, memory });
  } else if (msg.type === 'stop') {
    ac.abort();
    await sub?.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
