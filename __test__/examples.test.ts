/** The example dev server (examples/server.mjs) on bad input: one line naming the problem and the fix, no stack trace. */
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, spawnNode, stopSpawned } from './helpers/run-helpers.js';

afterEach(() => stopSpawned());

const server = path.join(ROOT, 'examples', 'server.mjs');

describe('examples/server.mjs', () => {
  it('a port that is taken: one line naming the port and how to choose another, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const run = spawnNode([server], { cwd: ROOT, env: { PORT: String(port) } });
      expect(await run.exited).toBe(1);
      const lines = run.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(lines[0]).toContain('PORT=3001');
      expect(run.output()).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('a PORT that is not a port number: one line, exit 1', async () => {
    const run = spawnNode([server], { cwd: ROOT, env: { PORT: 'eighty' } });
    expect(await run.exited).toBe(1);
    expect(run.output().trim()).toBe('PORT must be a port number from 0 to 65535, got "eighty"');
  });
});
