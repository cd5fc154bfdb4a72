/**
 * runProcess() end to end: real child processes, real HTTP on 127.0.0.1, real files in temp dirs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runProcess, type RunEvent, type RunHandle, type RunProcessOptions } from '../src/index.js';
import { spawnGroup } from '../src/run/process-group.js';
import { spareBlocker, spareHoldFile, WarmSpare } from '../src/run/warm-spare.js';
import {
  cleanupTemps,
  freePort,
  get,
  killGroup,
  leftoversIn,
  temps,
  running,
  setMessage,
  sleep,
  tempDir,
  waitFor,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';

const handles: RunHandle[] = [];
const pids: number[] = [];

afterEach(async () => {
  for (const h of handles.splice(0)) {
    const pid = h.pid;
    await h.stop().catch(() => {});
    killGroup(pid);
  }
  for (const pid of pids.splice(0)) killGroup(pid);
  try {
    expect(await leftoversIn(temps())).toEqual([]);
  } finally {
    cleanupTemps();
  }
});

interface Started {
  handle: RunHandle;
  events: RunEvent[];
  of<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[];
}

function start(dir: string, target: string, options: RunProcessOptions = {}): Started {
  const events: RunEvent[] = [];
  const handle = runProcess(dir, target, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    restartOnInput: false,
    debounce: 400,
    ...options,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'start' && e.pid !== undefined) pids.push(e.pid);
    },
  });
  handles.push(handle);
  return { handle, events, of: (type) => events.filter((e) => e.type === type) as never };
}

async function pidsOf(port: number): Promise<{ pid: number; ppid: number; worker?: number }> {
  const body = await waitFor(`/pids on port ${port}`, () => get(port, '/pids'));
  return JSON.parse(body);
}

describe('runProcess', () => {
  it('restarts a server when a module it imports changes, and passes the changes in WATCHFILES_CHANGES', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'first');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });

    await waitForBody(port, 'first');
    expect(await get(port, '/changes')).toBe('[]');
    const watching = run.of('watching')[0]!;
    expect(watching.paths).toEqual([dir]);
    expect(watching.backend).toMatch(/\w/);

    setMessage(dir, 'second');
    await waitForBody(port, 'second');
    const changes = JSON.parse((await get(port, '/changes'))!) as [string, string][];
    expect(changes).toContainEqual(['modified', path.join(dir, 'message.mjs')]);
    expect(run.of('restart')[0]!.changes.map((c) => c.path)).toContain(path.join(dir, 'message.mjs'));

    expect(await run.handle.stop()).toBe(1);
    expect(run.of('end')[0]).toMatchObject({ reason: 'stop', restarts: 1 });
  });

  it('stops the whole process group of sh -c: no grandchild survives a restart or the stop', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'one', { worker: true });
    const port = await freePort();
    // `; exit 0` keeps sh alive as the server's parent, so the tree is sh -> node server -> node worker.
    const run = start(dir, 'sh -c "node server.mjs; exit 0"', { env: { PORT: String(port) } });

    await waitForBody(port, 'one');
    const first = await pidsOf(port);
    expect(first.worker).toBeTypeOf('number');
    const firstTree = [first.ppid, first.pid, first.worker!];
    expect(firstTree.every(running)).toBe(true);
    expect(run.handle.pid).toBe(first.ppid);

    setMessage(dir, 'two');
    await waitForBody(port, 'two');
    // The new server answers only after the old group is gone: nothing of the old tree is left.
    expect(firstTree.filter(running)).toEqual([]);
    const second = await pidsOf(port);
    const secondTree = [second.ppid, second.pid, second.worker!];

    await run.handle.stop();
    expect(secondTree.filter(running)).toEqual([]);
    expect(await get(port)).toBeUndefined();
    expect(run.of('spare')).toEqual([]); // sh is not node: no warm spare
  });

  it('SIGKILLs a server that ignores the stop signal once sigintTimeout has passed', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'stubborn', { ignoreSigint: true });
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, sigintTimeout: 600, sigkillTimeout: 2000 });

    await waitForBody(port, 'stubborn');
    const old = await pidsOf(port);
    setMessage(dir, 'replaced');
    await waitForBody(port, 'replaced');

    const stopped = run.of('stopped')[0]!;
    expect(stopped).toMatchObject({ pid: old.pid, outcome: 'killed', signal: 'SIGINT', sigintTimeout: 600 });
    expect(stopped.ms).toBeGreaterThanOrEqual(600);
    expect(running(old.pid)).toBe(false);
  });

  it('reports a crashing server with its exit code and waits for the next change instead of looping', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'unused');
    fs.writeFileSync(path.join(dir, 'message.mjs'), "throw new Error('boom at start-up');\n");
    const port = await freePort();
    const run = start(dir, 'node server.mjs', {
      env: { PORT: String(port) },
      stdio: ['ignore', 'ignore', 'ignore'],
    });

    const exit = await waitFor('the exit event', () => run.of('exit')[0]);
    expect(exit.code).toBe(1);
    // A crash loop would start it again at once; give it well over a poll interval to misbehave.
    await sleep(1200);
    expect(run.of('start')).toHaveLength(1);

    setMessage(dir, 'fixed');
    await waitForBody(port, 'fixed');
    expect(run.of('start')).toHaveLength(2);
    expect(await run.handle.stop()).toBe(1);
  });

  it('reports a child that finishes with exit code 0 and runs it again on the next change', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'task.mjs'), "import fs from 'node:fs';\nfs.appendFileSync('runs.txt', 'x');\n");
    const run = start(dir, 'node task.mjs', { ignore: ['runs.txt'] });
    await waitFor('the first exit', () => run.of('exit')[0]);
    expect(run.of('exit')[0]).toMatchObject({ code: 0, signal: null });

    fs.writeFileSync(path.join(dir, 'input.txt'), 'go');
    await waitFor('the second run', () => fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8') === 'xx');
    await waitFor('the second exit', () => run.of('exit')[1]);
    expect(await run.handle.stop()).toBe(1);
  });

  it('calls a function target in a fresh Node child with args and WATCHFILES_CHANGES', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'app.mjs'),
      `import fs from 'node:fs';
export async function main(...params) {
  const out = { argv: process.argv.slice(2), params, changes: JSON.parse(process.env.WATCHFILES_CHANGES) };
  fs.appendFileSync('calls.jsonl', JSON.stringify(out) + '\\n');
}
`,
    );
    const run = start(dir, './app.mjs:main', { args: ['--flag', 'value'], ignore: ['calls.jsonl'] });
    const calls = () =>
      fs.existsSync(path.join(dir, 'calls.jsonl'))
        ? fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
        : [];
    await waitFor('the first call', () => calls().length === 1);
    expect(calls()[0]).toEqual({ argv: ['--flag', 'value'], params: ['--flag', 'value'], changes: [] });
    expect(run.of('start')[0]!.label).toBe('./app.mjs:main');

    // A function target is a Node child: the next call is already booted and waiting.
    await waitFor('the warm spare', () => run.of('spare')[0]);
    fs.writeFileSync(path.join(dir, 'data.txt'), 'new');
    await waitFor('the second call', () => calls().length === 2);
    expect(calls()[1]).toEqual({ argv: ['--flag', 'value'], params: ['--flag', 'value'], changes: [['added', path.join(dir, 'data.txt')]] });
    expect(run.of('start').map((e) => e.warm)).toEqual([false, true]);
  });

  it('reports a function target whose export is missing as a failed run', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.mjs'), 'export const notAFunction = 1;\n');
    const run = start(dir, './app.mjs:main', { stdio: ['ignore', 'ignore', 'ignore'] });
    const exit = await waitFor('the exit event', () => run.of('exit')[0]);
    expect(exit.code).toBe(1);
  });

  it('calls callback with the changes before the restart', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const seen: { paths: string[]; startsBefore: number }[] = [];
    const run: Started = start(dir, 'node server.mjs', {
      env: { PORT: String(port) },
      callback: (changes) => {
        seen.push({ paths: changes.map((c) => c.path), startsBefore: run.of('start').length });
      },
    });
    await waitForBody(port, 'a');
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    expect(seen).toEqual([{ paths: [path.join(dir, 'message.mjs')], startsBefore: 1 }]);
  });

  it('ignores changes during gracePeriod, while restart() still restarts at once', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, gracePeriod: 60_000 });
    await waitForBody(port, 'a');
    const before = await pidsOf(port);

    setMessage(dir, 'b');
    const ignored = await waitFor('the ignored event', () => run.of('ignored')[0]);
    expect(ignored.changes.map((c) => c.path)).toContain(path.join(dir, 'message.mjs'));
    expect((await pidsOf(port)).pid).toBe(before.pid);

    run.handle.restart();
    await waitForBody(port, 'b');
    expect(run.of('restart')[0]).toMatchObject({ reason: 'manual' });
    expect(await run.handle.stop()).toBe(1);
  });

  it('stops on an aborted signal and resolves to the number of restarts', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const controller = new AbortController();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, signal: controller.signal });
    await waitForBody(port, 'a');
    const { pid } = await pidsOf(port);
    run.handle.restart();
    await waitFor('the restarted server', async () => (await pidsOf(port)).pid !== pid);

    controller.abort();
    expect(await run.handle).toBe(1);
    expect(run.of('end')[0]).toMatchObject({ reason: 'abort', restarts: 1 });
    expect(running(pid)).toBe(false);
    expect(await get(port)).toBeUndefined();
  });

  it('sends stopSignal to the group', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'sig.mjs'),
      `import fs from 'node:fs';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { fs.writeFileSync('got.txt', s); process.exit(0); });
fs.writeFileSync('ready.txt', String(process.pid));
setInterval(() => {}, 1000);
`,
    );
    const run = start(dir, 'node sig.mjs', { stopSignal: 'SIGTERM', ignore: ['*.txt'] });
    await waitFor('the child to be ready', () => fs.existsSync(path.join(dir, 'ready.txt')));
    await run.handle.stop();
    expect(fs.readFileSync(path.join(dir, 'got.txt'), 'utf8')).toBe('SIGTERM');
  });

  it('reports a command that cannot be started and keeps waiting for changes', async () => {
    const dir = tempDir();
    const run = start(dir, 'definitely-not-a-command-xyz --flag');
    const failed = await waitFor('the spawn-error event', () => run.of('spawn-error')[0]);
    expect((failed.error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(failed.label).toBe('definitely-not-a-command-xyz --flag');
    expect(await run.handle.stop()).toBe(0);
  });

  it('rejects with the path when a watched path does not exist, before starting anything', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope');
    const events: RunEvent[] = [];
    await expect(runProcess(missing, 'node -v', { onEvent: (e) => events.push(e), restartOnInput: false })).rejects.toThrow(missing);
    expect(events.filter((e) => e.type === 'start')).toEqual([]);
  });

  it('throws a TypeError naming the problem for bad input', () => {
    const dir = tempDir();
    expect(() => runProcess(dir, '')).toThrow(/target must be a non-empty string/);
    expect(() => runProcess('', 'node a.js')).toThrow(TypeError);
    expect(() => runProcess(dir, 'node a.js && node b.js')).toThrow(/shell syntax \(&&\).*shell: true/);
    expect(() => runProcess(dir, 'node "a.js')).toThrow(/unterminated double quote/);
    expect(() => runProcess(dir, 'node a.js', { sigintTimeout: -1 })).toThrow(/"sigintTimeout"/);
    expect(() => runProcess(dir, 'node a.js', { stopSignal: 'SIGNOPE' as NodeJS.Signals })).toThrow(/"stopSignal"/);
    expect(() => runProcess(dir, 'node a.js', { targetType: 'script' as never })).toThrow(/"targetType"/);
    expect(() => runProcess(dir, 'node a.js', { changeSource: 'chokidar' as never })).toThrow(/"changeSource" must be one of 'native', 'stat', 'watchman'/);
    expect(() => runProcess(dir, 'node a.js', { reloader: 'chokidar' as never })).toThrow(/"reloader" \(now "changeSource"\)/);
    expect(() => runProcess(dir, 'node a.js', { changeSource: 'stat', reloader: 'watchfiles' })).toThrow(/disagree; pass "changeSource" only/);
    expect(() => runProcess(dir, 'node a.js', { bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
    expect(() => runProcess(dir, 'node a.js', { debounce: 'fast' } as never)).toThrow(/"debounce"/);
    expect(() => runProcess(dir, './app.js:main', { targetType: 'function', args: [1] as never })).toThrow(/"args"/);
    expect(() => runProcess(dir, 'node server.js', { targetType: 'function' })).toThrow(/\.\/module\.js:exportName/);
  });

  it('runs through a shell with shell: true', async () => {
    const dir = tempDir();
    const run = start(dir, 'echo $0 > shell.txt && exit 7', { shell: true, ignore: ['shell.txt'] });
    const exit = await waitFor('the exit event', () => run.of('exit')[0]);
    expect(exit.code).toBe(7);
    expect(fs.readFileSync(path.join(dir, 'shell.txt'), 'utf8').trim()).toMatch(/sh$/);
  });

  it('watches with the StatReloader when changeSource is "stat"', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, changeSource: 'stat', pollDelay: 100 });
    await waitForBody(port, 'a');
    expect(run.of('watching')[0]!.backend).toBe('stat');
    setMessage(dir, 'bb');
    await waitForBody(port, 'bb');
  });
});

describe('runProcess warm spare', () => {
  it('a restart releases the spare: it runs code written after it booted, with this restart\'s changes and the user\'s NODE_OPTIONS, and nothing of ours reaches it or its children', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'one');
    const port = await freePort();
    const userOptions = '--max-old-space-size=300';
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port), NODE_OPTIONS: userOptions } });
    await waitForBody(port, 'one');
    const spare = await waitFor('the warm spare', () => run.of('spare')[0]);
    expect(running(spare.pid)).toBe(true);

    setMessage(dir, 'two'); // after the spare booted: it must still load the new text
    await waitForBody(port, 'two');
    expect((await pidsOf(port)).pid).toBe(spare.pid);
    expect(run.of('start').map((e) => e.warm)).toEqual([false, true]);
    expect(JSON.parse((await get(port, '/changes'))!)).toContainEqual(['modified', path.join(dir, 'message.mjs')]);

    const env = JSON.parse((await get(port, '/env'))!);
    const ours = { NODE_OPTIONS: userOptions, WATCHFILES_SPARE_FD: null };
    expect(env.own).toEqual(ours);
    expect({ NODE_OPTIONS: env.grandchild.NODE_OPTIONS ?? null, WATCHFILES_SPARE_FD: env.grandchild.WATCHFILES_SPARE_FD ?? null }).toEqual(ours);
    expect(env.execArgv).toEqual([]);

    // The next spare comes up behind the new server.
    const next = await waitFor('the next warm spare', () => run.of('spare')[1]);
    await run.handle.stop();
    await waitFor('the spare to be killed', () => !running(next.pid));
  });

  it('without NODE_OPTIONS of the user\'s, the released server has none', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { PORT: String(port), NODE_OPTIONS: undefined };
    const run = start(dir, 'node server.mjs', { env });
    await waitForBody(port, 'a');
    await waitFor('the warm spare', () => run.of('spare')[0]);
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    expect(run.of('start').at(-1)!.warm).toBe(true);
    expect(JSON.parse((await get(port, '/env'))!).own).toEqual({ NODE_OPTIONS: null, WATCHFILES_SPARE_FD: null });
  });

  it('warmSpare: false starts every child fresh', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, warmSpare: false });
    await waitForBody(port, 'a');
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    setMessage(dir, 'c');
    await waitForBody(port, 'c');
    expect(run.of('start').map((e) => e.warm)).toEqual([false, false, false]);
    expect(run.of('spare')).toEqual([]);
  });

  it('a spare killed from outside is replaced by a fresh start at the next restart', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });
    await waitForBody(port, 'a');
    const spare = await waitFor('the warm spare', () => run.of('spare')[0]);
    process.kill(spare.pid, 'SIGKILL');
    await waitFor('the spare to die', () => !running(spare.pid));

    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    expect(run.of('start').map((e) => e.warm)).toEqual([false, false]);
    expect(run.of('exit')).toEqual([]); // the spare's death is not the server's
    // and the fresh child gets a spare of its own
    await waitFor('a new warm spare', () => run.of('spare')[1]);
  });

  it('works from an install path with spaces and quotes (NODE_OPTIONS quoting), and passes a large release intact', async () => {
    const dir = tempDir();
    const holdDir = path.join(dir, 'my "project" dir');
    fs.mkdirSync(holdDir);
    const holdFile = path.join(holdDir, 'spare-hold.cjs');
    fs.copyFileSync(spareHoldFile()!, holdFile);
    const out = path.join(dir, 'env.json');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`;
    const spare = new WarmSpare({
      holdFile,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=200' },
      stdio: ['ignore', 'inherit', 'inherit'],
      start: (env, stdio) => spawnGroup({ file: process.execPath, args: ['-e', script], env, stdio, cwd: dir, shell: false }),
      delayMs: 0,
      onReady: () => (ready = true),
    });
    let ready = false;
    const current = spawnGroup({ file: process.execPath, args: ['-e', 'setTimeout(() => {}, 10000)'], env: process.env, stdio: 'ignore', cwd: dir, shell: false });
    pids.push(current.pid!);
    spare.after(current);
    await waitFor('the spare to be held', () => ready);
    const big = 'x'.repeat(300_000); // larger than one pipe buffer and one read
    const child = spare.take({ WATCHFILES_CHANGES: big })!;
    expect(child).toBeDefined();
    pids.push(child.pid!);
    const env = await waitFor('the released script', () => (fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined));
    expect(env.WATCHFILES_CHANGES).toBe(big);
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=200');
    expect(env.WATCHFILES_SPARE_FD).toBeUndefined();
    spare.dispose();
  });

  it('is not used where a flag acts at start-up, or for a command that is not node', () => {
    const node = process.execPath;
    expect(spareBlocker(node, ['server.js'], {}, false)).toBeUndefined();
    expect(spareBlocker('node', ['--enable-source-maps', 'server.js'], { NODE_OPTIONS: '--max-old-space-size=100' }, false)).toBeUndefined();
    expect(spareBlocker('node', ['--inspect', 'server.js'], {}, false)).toMatch(/--inspect acts at start-up/);
    expect(spareBlocker('node', ['--inspect-brk=9230', 'server.js'], {}, false)).toMatch(/--inspect-brk/);
    expect(spareBlocker('node', ['server.js'], { NODE_OPTIONS: '--env-file=.env' }, false)).toMatch(/--env-file/);
    expect(spareBlocker('python3', ['app.py'], {}, false)).toMatch(/not node/);
    expect(spareBlocker('node server.js', [], {}, true)).toMatch(/shell/);
  });
});
