/**
 * The `watchfiles` command, spawned from the built dist/cli.js: usage errors, help, the main job (restart a
 * dev server on change), Ctrl-C/SIGTERM with nothing left running, colour, filters, function targets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPTIONS } from '../src/cli/options.js';
import {
  ROOT,
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  get,
  killGroup,
  stopSpawned,
  running,
  setMessage,
  sleep,
  spawnNode,
  spawnProcess,
  tempDir,
  waitFor,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';

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

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnNode([built.cli, ...args], { cwd, env });
}

async function pidsOf(port: number): Promise<{ pid: number; ppid: number; worker?: number }> {
  return JSON.parse(await waitFor(`/pids on port ${port}`, () => get(port, '/pids')));
}

describe('watchfiles CLI: usage', () => {
  it('is built with its shebang, executable', () => {
    expect(fs.readFileSync(built.cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    if (process.platform !== 'win32') expect(fs.statSync(built.cli).mode & 0o111).not.toBe(0);
  });

  it('--help lists every option with its default', async () => {
    const run = cli(['--help'], ROOT);
    expect(await run.exited).toBe(0);
    const help = run.output().replace(/\s+/g, ' ');
    expect(help).toContain('Usage: watchfiles [options] <target> [paths...]');
    for (const option of CLI_OPTIONS) {
      expect(help).toContain(`--${option.name}`);
      expect(help).toContain(`(default: ${option.default})`);
    }
  });

  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const run = cli([flag], ROOT);
      expect(await run.exited).toBe(0);
      expect(run.output().trim()).toBe(`watchfiles v${version}`);
    }
  });

  it.each([
    [[], /missing <target>/],
    [['node server.js', 'no-such-dir'], /path "no-such-dir" does not exist/],
    [['--bogus', 'node a.js'], /unknown option "--bogus"; to pass a target or path that starts with "-", put it after "--", as in: watchfiles -- "--bogus"\n/],
    [['--sigint-timeout', 'soon', 'node a.js'], /--sigint-timeout must be a number of seconds/],
    [['--debounce', '0', 'node a.js'], /--debounce must be a number of ms from 1 to 2147483647/],
    [['--debounce', '10', '--step', '100', 'node a.js'], /--debounce \(10\) must not be smaller than --step \(100\)/],
    [['--target-type', 'script', 'node a.js'], /--target-type must be one of auto, command, function/],
    [['--change-source', 'chokidar', 'node a.js'], /--change-source must be one of native, stat, watchman/],
    [['--reloader', 'chokidar', 'node a.js'], /--reloader must be one of watchfiles, stat, watchman/],
    [['--change-source', 'stat', '--reloader', 'watchman', 'node a.js'], /--change-source stat and its old name --reloader watchman disagree/],
    [['--stop-signal', 'SIGNOPE', 'node a.js'], /--stop-signal must be a signal name/],
    [['npm run build && node a.js'], /uses shell syntax \(&&\); add --shell/],
    [['no-such-command-xyz serve'], /command not found: "no-such-command-xyz"/],
    [['./missing.mjs:main'], /function target module "\.\/missing\.mjs" does not exist/],
    [['--ext', ',', 'node a.js'], /--ext needs at least one extension/],
    [['--filter', 'all', '--ignore-paths', 'x', 'node a.js'], /--ignore-paths has no effect with --filter all/],
    // A flag whose value was forgotten swallows the command: name the flag, not a missing target.
    [['--ext', 'node a.js'], /--ext took "node a\.js" as its value, which looks like the command: give --ext its value \(--ext js,ts,json\)/],
    [['--ext', 'node a.js', '.'], /--ext took "node a\.js" as its value/],
    [['--debounce', 'node a.js'], /--debounce took "node a\.js" as its value/],
    [['--args', 'node a.js'], /--args took "node a\.js" as its value/],
    [['node a.js', '--ext'], /--ext needs a value \(--ext js,ts,json\) before the command/],
    [['--ext', 'a b', 'node a.js'], /--ext takes a comma-separated list of extensions like --ext js,ts,json, got "a b"/],
  ])('exits 1 with a clear message for bad usage: %j', async (args, message) => {
    const dir = tempDir();
    const run = cli(args as string[], dir);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(message);
    expect(run.output()).toContain('watchfiles --help');
  });
});

describe('watchfiles CLI: running a dev server', () => {
  it('says what it watches and with which backend, and names the changed file on restart', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'hello');
    const port = await freePort();
    const run = cli(['node server.mjs', '.'], dir, { PORT: String(port) });

    const [startLine] = await run.waitForOutput(/\[watchfiles\] v\S+ watching \. with (\S+)(?: \(polling: [^)]*\))?, running "node server\.mjs".*\n/);
    expect(startLine).toMatch(/\(command, filter: default\)/);
    await waitForBody(port, 'hello');

    setMessage(dir, 'hello again');
    await run.waitForOutput(/\[watchfiles\] restarting: modified message\.mjs\n/);
    await waitForBody(port, 'hello again');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s stops the whole group (sh -c, server, worker) and exits 0',
    async (signal) => {
      const dir = tempDir();
      writeServerProject(dir, 'up', { worker: true });
      const port = await freePort();
      const run = cli(['sh -c "node server.mjs; exit 0"', '.'], dir, { PORT: String(port) });
      await waitForBody(port, 'up');
      const { pid, ppid, worker } = await pidsOf(port);
      const tree = [ppid, pid, worker!];
      expect(tree.every(running)).toBe(true);

      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(new RegExp(`stopped \\(${signal}\\) after 0 restarts`));
      expect(tree.filter(running)).toEqual([]);
      expect(await get(port)).toBeUndefined();
    },
  );

  it('leaves nothing behind after a restart and then Ctrl-C', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'v1', { worker: true });
    const port = await freePort();
    const run = cli(['sh -c "node server.mjs; exit 0"'], dir, { PORT: String(port) });
    await waitForBody(port, 'v1');
    const first = await pidsOf(port);
    setMessage(dir, 'v2');
    await waitForBody(port, 'v2');
    expect([first.ppid, first.pid, first.worker!].filter(running)).toEqual([]);
    const second = await pidsOf(port);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect([second.ppid, second.pid, second.worker!].filter(running)).toEqual([]);
  });

  it('reports a crash with its exit code, in red only when colour is allowed', async () => {
    const dir = tempDir();
    const target = 'node -e "process.exit(3)"';
    const coloured = cli([target], dir, { FORCE_COLOR: '1', NO_COLOR: undefined });
    await coloured.waitForOutput(/exited with code 3; waiting for a change to restart/);
    expect(coloured.output()).toContain('\x1b[31m');

    const plain = cli([target], dir, { NO_COLOR: '1' });
    await plain.waitForOutput(/exited with code 3; waiting for a change to restart/);
    expect(plain.output()).not.toContain('\x1b[');

    coloured.child.kill('SIGINT');
    plain.child.kill('SIGINT');
    expect(await coloured.exited).toBe(0);
    expect(await plain.exited).toBe(0);
  });

  it('--ext restarts for the listed extensions only', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'x');
    const port = await freePort();
    const run = cli(['--ext', 'mjs', 'node server.mjs'], dir, { PORT: String(port) });
    await waitForBody(port, 'x');

    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not code');
    // Well over a poll interval plus --step, so a restart for notes.txt would have happened by now.
    await sleep(1000);
    setMessage(dir, 'y');
    await waitForBody(port, 'y');
    const restarts = run.output().match(/restarting: .*/g) ?? [];
    expect(restarts).toEqual(['restarting: modified message.mjs']);
  });

  it('--ignore skips matching paths', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'x');
    fs.mkdirSync(path.join(dir, 'logs'));
    const port = await freePort();
    const run = cli(['--ignore', 'logs', '--ignore', '*.tmp', 'node server.mjs'], dir, { PORT: String(port) });
    await waitForBody(port, 'x');
    fs.writeFileSync(path.join(dir, 'logs', 'app.log'), 'line');
    fs.writeFileSync(path.join(dir, 'scratch.tmp'), 'tmp');
    await sleep(1000);
    setMessage(dir, 'y');
    await waitForBody(port, 'y');
    expect(run.output().match(/restarting: .*/g)).toEqual(['restarting: modified message.mjs']);
  });

  it('runs a function target with --args and passes the changes', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(
      path.join(dir, 'task.mjs'),
      `import fs from 'node:fs';
export function build() {
  fs.appendFileSync('out.jsonl', JSON.stringify({ argv: process.argv.slice(2), changes: JSON.parse(process.env.WATCHFILES_CHANGES) }) + '\\n');
}
`,
    );
    // A value that starts with a dash needs the --args=... spelling (parseArgs, like argparse, insists).
    const run = cli(['./task.mjs:build', 'src', '--args=--minify "out dir"'], dir);
    const lines = () =>
      fs.existsSync(path.join(dir, 'out.jsonl')) ? fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n') : [];
    await waitFor('the first call', () => lines().length === 1);
    expect(JSON.parse(lines()[0]!)).toEqual({ argv: ['--minify', 'out dir'], changes: [] });
    await run.waitForOutput(/\(function, filter: default\)/);

    fs.writeFileSync(path.join(dir, 'src', 'a.txt'), 'a');
    await waitFor('the second call', () => lines().length === 2);
    expect(JSON.parse(lines()[1]!).changes).toEqual([['added', path.join(dir, 'src', 'a.txt')]]);
  });

  it('--change-source stat watches by polling file stats', async () => {
    const dir = tempDir();
    writeServerProject(dir, 's1');
    const port = await freePort();
    const run = cli(['--change-source', 'stat', '--poll-delay', '100', 'node server.mjs'], dir, { PORT: String(port) });
    await run.waitForOutput(/watching \. with stat \(polling: StatReloader, every 100 ms\)/);
    await waitForBody(port, 's1');
    setMessage(dir, 's2');
    await waitForBody(port, 's2');
  });

  it('--verbose prints pids, signals and the warm spare; --stop-signal changes the signal', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = cli(['--verbose', '--stop-signal', 'term', 'node server.mjs'], dir, { PORT: String(port) });
    await waitForBody(port, 'a');
    await run.waitForOutput(/started "node server\.mjs" \(pid \d+\)/);
    const spare = Number((await run.waitForOutput(/warm spare ready \(pid (\d+)\)/))[1]);
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    await run.waitForOutput(/stopping process group \d+ with SIGTERM/);
    await run.waitForOutput(new RegExp(`started "node server\\.mjs" \\(pid ${spare}, warm spare\\)`));
  });

  it('--no-warm-spare starts each server fresh', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = cli(['--verbose', '--no-warm-spare', 'node server.mjs'], dir, { PORT: String(port) });
    await waitForBody(port, 'a');
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    await run.waitForOutput(/started "node server\.mjs" \(pid \d+\)[^]*started "node server\.mjs" \(pid \d+\)/);
    expect(run.output()).not.toMatch(/warm spare/);
  });

  it('a warm spare exits on its own when the runner is SIGKILLed (its pipe closes)', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = cli(['--verbose', 'node server.mjs'], dir, { PORT: String(port) });
    await waitForBody(port, 'a');
    const server = await pidsOf(port);
    const spare = Number((await run.waitForOutput(/warm spare ready \(pid (\d+)\)/))[1]);
    run.child.kill('SIGKILL');
    try {
      await waitFor('the spare to exit', () => !running(spare));
    } finally {
      // The server itself outlives a SIGKILLed runner (documented): the test stops it.
      killGroup(server.pid);
    }
  });
});

describe('watchfiles CLI on a terminal', () => {
  // util-linux `script` gives the CLI a real pseudo-terminal: stdin is a TTY, and ^C is the terminal's SIGINT
  // to the foreground process group, which the server (in its own group) does not get.
  // `script -c` runs the command through $SHELL -c; `exec` makes the CLI replace that shell, so the CLI alone gets the
  // ^C. Without it, a shell that does not exec its last command itself (dash, which script uses when SHELL is unset,
  // as in CI) is killed by the same SIGINT and `script -e` reports 130 whatever the CLI did.
  function onTerminal(command: string, dir: string, env: NodeJS.ProcessEnv) {
    return spawnProcess('script', ['-qfec', `exec ${command}`, '/dev/null'], {
      cwd: dir,
      env: { SHELL: '/bin/sh', ...env },
      stdin: 'pipe',
    });
  }

  it('rs + Enter restarts at once; Ctrl-C stops the server and exits 0', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'tty', { worker: true });
    const port = await freePort();
    const run = onTerminal(`${process.execPath} ${built.cli} "node server.mjs"`, dir, { PORT: String(port) });
    await waitForBody(port, 'tty');
    const first = await pidsOf(port);

    run.child.stdin!.write('rs\n');
    await run.waitForOutput(/restarting \(requested\)/);
    const second = await waitFor('a new server', async () => {
      const p = await pidsOf(port);
      return p.pid !== first.pid ? p : undefined;
    });
    expect([first.pid, first.worker!].filter(running)).toEqual([]);

    run.child.stdin!.write('\x03');
    await run.waitForOutput(/stopped \(SIGINT\) after 1 restart/);
    expect(await run.exited).toBe(0);
    expect([second.pid, second.worker!].filter(running)).toEqual([]);
  });

  it('a second Ctrl-C kills a server that ignores the first at once, without waiting for --sigint-timeout', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'stubborn', { ignoreSigint: true });
    const port = await freePort();
    const run = onTerminal(`${process.execPath} ${built.cli} --sigint-timeout 60 "node server.mjs"`, dir, { PORT: String(port) });
    await waitForBody(port, 'stubborn');
    const { pid } = await pidsOf(port);

    const started = Date.now();
    run.child.stdin!.write('\x03');
    await sleep(300);
    expect(running(pid)).toBe(true); // it ignores SIGINT, and the runner is still giving it time
    run.child.stdin!.write('\x03');
    expect(await run.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(running(pid)).toBe(false);
  });
});
