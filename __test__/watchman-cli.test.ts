/**
 * The `watchfiles` command on a watchman server: --backend, --change-source (and its old name --reloader) watchman restart a dev
 * server through a private server; an unreachable one fails with the EWATCHMAN message, exit 1.
 */
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  setMessage,
  spawnNode,
  stopSpawned,
  tempDir,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';
import { useWatchman } from './helpers/watchman.js';

const wm = useWatchman();

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

afterEach(async () => {
  try {
    await stopSpawned();
  } finally {
    cleanupTemps();
  }
});

describe('watchfiles CLI on watchman', () => {
  it.each([['--backend'], ['--change-source'], ['--reloader']])('%s watchman restarts the server on change', async (flag) => {
    const dir = tempDir();
    writeServerProject(dir, 'w1');
    const port = await freePort();
    const run = spawnNode([built.cli, flag, 'watchman', 'node server.mjs'], { cwd: dir, env: { PORT: String(port), WATCHMAN_SOCK: wm.server.sock } });
    await run.waitForOutput(/watching \. with watchman, running "node server\.mjs"/);
    await waitForBody(port, 'w1');
    setMessage(dir, 'w2');
    await waitForBody(port, 'w2');
  });

  it('an unreachable server is a one-line EWATCHMAN error and exit 1', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'x');
    const sock = path.join(dir, 'no-such-sock');
    const run = spawnNode([built.cli, '--backend', 'watchman', 'node server.mjs'], { cwd: dir, env: { WATCHMAN_SOCK: sock } });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`cannot reach the watchman server at ${sock}`);
  });
});
