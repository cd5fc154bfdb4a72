'use strict';
// @parcel/watcher's shape: a CommonJS module exporting subscribe, unsubscribe, writeSnapshot and
// getEventsSince. `(await import('@parcel/watcher')).default` (Tailwind v4's CLI) gets this object too,
// and no "exports" map, as in @parcel/watcher, so deep requires of package.json keep working.
const impl = require('watchfiles-node/parcel-watcher');

exports.subscribe = impl.subscribe;
exports.unsubscribe = impl.unsubscribe;
exports.writeSnapshot = impl.writeSnapshot;
exports.getEventsSince = impl.getEventsSince;
