/**
 * The register hook through NODE_OPTIONS under package managers: `NODE_OPTIONS="--import
 * watchfiles-node/register" npm start` (and pnpm, yarn, a tool from node_modules). The wrappers run as
 * usual and the hook supervises the node process that runs the project's server; an edit restarts that
 * server. A script that runs no Node.js file of the user's is told so. pnpm 9 and yarn 1 come from the npm
 * registry through npx, as a user without them installed would run them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wrapperName } from '../src/register/handoff.js';
import {
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  get,
  setMessage,
  stopSpawned,
  tempDir,
  waitFor,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

const leaders: ChildProcess[] = [];

/**
 * Runs a command as a terminal would: in a process group of its own, stopped by SIGINT to the whole
 * group (what Ctrl-C does). Signalling only the package manager would leave its shell's child running,
 * under any watcher or none.
 */
function runInTerminalGroup(file: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  leaders.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    exited,
    output: () => out,
    waitForOutput: (pattern: RegExp, timeout?: number) =>
      waitFor(() => `output matching ${pattern} (output so far:\n${out})`, () => out.match(pattern), timeout),
  };
}

async function ctrlC(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid!, 'SIGINT');
  } catch {
    return; // the group is gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

afterEach(async () => {
  try {
    await Promise.all(leaders.splice(0).map(ctrlC));
    // Also fails the test for any process left running in its project directory.
    await stopSpawned();
  } finally {
    cleanupTemps();
  }
});

const NPM = path.join(path.dirname(process.execPath), 'npm');
const NPX = path.join(path.dirname(process.execPath), 'npx');

function project(scripts: Record<string, string>): string {
  const dir = tempDir('wf-register-pm-');
  writeServerProject(dir, 'one');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'proj', private: true, scripts }, null, 2));
  return dir;
}

function hookEnv(port: number): NodeJS.ProcessEnv {
  return {
    PORT: String(port),
    NODE_OPTIONS: `--import ${built.registerEsm}`,
    // npx fetches pnpm/yarn once into the npm cache; no prompts, no update checks, no funding lines.
    npm_config_yes: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    COREPACK_ENABLE_STRICT: '0',
  };
}

async function pidsOf(port: number): Promise<{ pid: number; ppid: number }> {
  return JSON.parse(await waitFor(`/pids on port ${port}`, () => get(port, '/pids')));
}

describe('NODE_OPTIONS="--import watchfiles-node/register" through a package manager', () => {
  const cases: Array<[string, string, string[]]> = [
    ['npm start', NPM, ['start']],
    ['pnpm start (pnpm 9 via npx)', NPX, ['pnpm@9', 'start']],
    ['yarn start (yarn 1 via npx)', NPX, ['yarn@1', 'start']],
  ];
  for (const [name, file, args] of cases) {
    it(`${name}: the server, not the package manager, is supervised and restarts on an edit`, async () => {
      const dir = project({ start: 'node server.mjs' });
      const port = await freePort();
      const run = runInTerminalGroup(file, args, { cwd: dir, env: hookEnv(port) });
      await waitForBody(port, 'one', 120_000);
      await run.waitForOutput(/watching the files server\.mjs loads \(handed on through NODE_OPTIONS\)/);
      // The package manager was passed through, never supervised or blocked.
      expect(run.output()).toMatch(/is a wrapper; passing the hook on/);
      expect(run.output()).not.toMatch(/watching the files .*(npm|npx|pnpm|yarn)/);
      const first = await pidsOf(port);

      setMessage(dir, 'two');
      await waitForBody(port, 'two');
      await run.waitForOutput(/restarting: modified message\.mjs/);
      expect((await pidsOf(port)).pid).not.toBe(first.pid);
      expect(run.output().match(/passing the hook on/g)).toHaveLength(1);
    }, 180_000);
  }

  it('passes through a shell and a tool from node_modules, down to the server', async () => {
    const dir = project({ start: "sh -c 'exec node ./node_modules/launcher/cli.js'" });
    const launcher = path.join(dir, 'node_modules', 'launcher');
    fs.mkdirSync(launcher, { recursive: true });
    fs.writeFileSync(
      path.join(launcher, 'cli.js'),
      `const { spawn } = require('node:child_process');\n` +
        `const c = spawn(process.execPath, ['server.mjs'], { stdio: 'inherit' });\n` +
        `for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => c.kill(s));\n` +
        `c.on('exit', (code) => process.exit(code ?? 0));\n`,
    );
    const port = await freePort();
    const run = runInTerminalGroup(NPM, ['start'], { cwd: dir, env: hookEnv(port) });
    await waitForBody(port, 'one', 60_000);
    await run.waitForOutput(/watching the files server\.mjs loads/);
    setMessage(dir, 'two');
    await waitForBody(port, 'two');
    expect(run.output()).not.toMatch(/watching the files .*cli\.js/);
  }, 90_000);

  it('says so when the script runs no Node.js file of the user\'s, and exits with the script', async () => {
    const dir = project({ start: 'echo no node here' });
    const run = runInTerminalGroup(NPM, ['start'], { cwd: dir, env: hookEnv(await freePort()) });
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/`npm start` ran no Node\.js script of yours: nothing was watched or restarted/);
    expect(run.output()).not.toMatch(/watching the files/);
  }, 60_000);
});

describe('wrapperName', () => {
  const self = path.join(path.sep, 'x', 'node_modules', 'watchfiles-node', 'dist', 'register.js');
  it('names package managers and tools from node_modules, only when the hook came from NODE_OPTIONS', () => {
    expect(wrapperName('/usr/lib/node_modules/npm/bin/npm-cli.js', [], self, '/')).toBe('npm');
    expect(wrapperName('/usr/lib/node_modules/npm/bin/npx-cli.js', [], self, '/')).toBe('npx');
    expect(wrapperName('/home/u/.npm/_npx/1/node_modules/pnpm/bin/pnpm.cjs', [], self, '/')).toBe('pnpm');
    expect(wrapperName('/p/node_modules/yarn/bin/yarn.js', [], self, '/')).toBe('yarn');
    expect(wrapperName('/p/.yarn/releases/yarn-4.5.0.cjs', [], self, '/')).toBe('yarn');
    expect(wrapperName('/p/node_modules/@scope/tool/cli.js', [], self, '/')).toBe('@scope/tool');
    expect(wrapperName('/p/server.js', [], self, '/')).toBeUndefined();
    // On the command line the flag means "supervise this process", wherever it lives.
    expect(wrapperName('/p/node_modules/tool/cli.js', ['--import', 'watchfiles-node/register'], self, '/')).toBeUndefined();
  });
});
