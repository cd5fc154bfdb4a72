/** What chokidar 3 and 5 share: same API and events. ignoreInitial as dev servers use it; ready = 'ready'. */
export async function startChokidar(watchFn, root, onEvents) {
  const watcher = watchFn(root, { ignoreInitial: true });
  watcher.on('all', (_event, p) => onEvents([p]));
  await new Promise((resolve, reject) => {
    watcher.once('ready', resolve);
    watcher.once('error', reject);
  });
  return { backend: 'fs.watch per file and dir', close: () => watcher.close() };
}
