/**
 * watchfiles-node itself, through the built package: native OS events when the addon loads, else the JS
 * poller. Loaded from the run's snapshot of the build (WATCHFILES_BENCH_PKG, see lib/snapshot.mjs), or
 * from the repo's dist/ when run on its own. Ready = subscribe() resolved (watches placed).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = process.env.WATCHFILES_BENCH_PKG || fileURLToPath(new URL('../../../', import.meta.url));
const { subscribe } = await import(pathToFileURL(path.join(pkg, 'dist', 'index.js')).href);

/** `extra`: options on top of the defaults (the forced-polling variant passes forcePolling). */
export async function start(root, onEvents, extra = {}) {
  const sub = await subscribe(root, (batch) => onEvents(batch.map((c) => c.path)), extra);
  return { backend: sub.backend, close: () => sub.close() };
}
