'use strict';
// chokidar's CommonJS shape: chokidar 3 exported { watch, FSWatcher }; chokidar 4 added `default` and
// __esModule, so `import chokidar from 'chokidar'` compiled by TypeScript or Babel finds it too.
const facade = require('watchfiles-node/chokidar');

Object.defineProperty(exports, '__esModule', { value: true });
exports.watch = facade.watch;
exports.FSWatcher = facade.FSWatcher;
exports.default = { watch: facade.watch, FSWatcher: facade.FSWatcher };
