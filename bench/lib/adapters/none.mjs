/** No watcher: the cost of an empty Node process with the bench harness, so the others can be read as deltas. */
export async function start() {
  return { backend: '-', close: async () => {} };
}
