/**
 * watchfiles-node itself, through the built package (dist/index.js, made by `npx tsup`): native OS events
 * when the addon loads, else the JS poller. Ready = subscribe() resolved (watches placed).
 */
import { subscribe } from '../../../dist/index.js';

/** `extra`: options on top of the defaults (the forced-polling variant passes forcePolling). */
export async function start(root, onEvents, extra = {}) {
  const sub = await subscribe(root, (batch) => onEvents(batch.map((c) => c.path)), extra);
  return { backend: sub.backend, close: () => sub.close() };
}
