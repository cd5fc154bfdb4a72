// chokidar 4+'s ESM shape: named `watch` and `FSWatcher`, and a default object holding both.
export { watch, FSWatcher, default } from 'watchfiles-node/chokidar';
