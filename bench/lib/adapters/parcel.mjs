/** @parcel/watcher: native (inotify on Linux), batched callbacks. Ready = subscribe() resolved. */
import { createRequire } from 'node:module';

const parcel = createRequire(import.meta.url)('@parcel/watcher');

export async function start(root, onEvents) {
  const sub = await parcel.subscribe(root, (err, events) => {
    if (err) process.stderr.write(`@parcel/watcher: ${err.message}\n`);
    else onEvents(events.map((e) => e.path));
  });
  return { backend: 'native', close: () => sub.unsubscribe() };
}
