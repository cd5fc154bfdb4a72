/**
 * @parcel/watcher: native, batched callbacks. Ready = subscribe() resolved. Its backend is pinned to the
 * platform's native one: left to choose, it silently switches to watchman whenever a `watchman` binary is
 * installed, and its inotify figures would vanish. `backend: 'watchman'` is the parcel+watchman row.
 */
import { createRequire } from 'node:module';

const parcel = createRequire(import.meta.url)('@parcel/watcher');

const NATIVE = { linux: 'inotify', darwin: 'fs-events', win32: 'windows', freebsd: 'kqueue' }[process.platform] ?? 'brute-force';

export async function start(root, onEvents, backend = NATIVE) {
  const sub = await parcel.subscribe(
    root,
    (err, events) => {
      if (err) process.stderr.write(`@parcel/watcher: ${err.message}\n`);
      else onEvents(events.map((e) => e.path));
    },
    { backend },
  );
  return { backend, close: () => sub.unsubscribe() };
}
