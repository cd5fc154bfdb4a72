/**
 * Node's own fs.watch(root, { recursive: true }). On Linux, Node 20 walks the tree and places one watch per
 * directory inside the fs.watch() call itself, so ready = fs.watch() returned.
 */
import fs from 'node:fs';
import path from 'node:path';

export async function start(root, onEvents) {
  const watcher = fs.watch(root, { recursive: true }, (_type, filename) => {
    onEvents([filename ? path.join(root, filename.toString()) : root]);
  });
  return { backend: `fs.watch per file and dir (node ${process.version})`, close: async () => watcher.close() };
}
