/**
 * The runner's "hot" behaviour with real processes and real files: a burst of edits restarts the child
 * at most twice, an identical rewrite restarts nothing, and a file the program itself keeps writing is
 * detected and paused instead of restarting it forever.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type RunEvent, type RunHandle, type RunProcessOptions } from '../src/index.js';
import { BurstGate } from '../src/run/burst-gate.js';
import { ContentMemo } from '../src/run/content-memo.js';
import { formatEvent } from '../src/run/format-event.js';
import { makeColors } from '../src/run/colors.js';
import { LoopGuard } from '../src/run/loop-guard.js';
import { Change } from '../src/watch/types.js';
import { makeBatch } from '../src/watch/batch.js';
import {
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  get,
  killGroup,
  leftoversIn,
  messageModule,
  setMessage,
  spawnNode,
  stopSpawned,
  temps,
  tempDir,
  waitFor,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';

const handles: RunHandle[] = [];
const pids: number[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

afterEach(async () => {
  for (const h of handles.splice(0)) {
    const pid = h.pid;
    await h.stop().catch(() => {});
    killGroup(pid);
  }
  for (const pid of pids.splice(0)) killGroup(pid);
  try {
    await stopSpawned();
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
    ...options,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'start' && e.pid !== undefined) pids.push(e.pid);
    },
  });
  handles.push(handle);
  return { handle, events, of: (type) => events.filter((e) => e.type === type) as never };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a burst of edits', () => {
  it('50 files saved 20 ms apart restart the server at most twice, and the last start sees every change', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'before');
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), `// ${i}\n`);
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });
    await waitForBody(port, 'before');
    const startsBefore = run.of('start').length;

    for (let i = 0; i < 50; i++) {
      fs.writeFileSync(path.join(dir, `f${i}.js`), `// ${i} formatted\n`);
      await tick(20);
    }
    setMessage(dir, 'after');
    await waitForBody(port, 'after');

    const restarts = run.of('start').length - startsBefore;
    expect(restarts).toBeGreaterThanOrEqual(1);
    expect(restarts).toBeLessThanOrEqual(2);
    // Between them the restarts covered every file of the burst.
    const covered = new Set(run.of('start').slice(startsBefore).flatMap((s) => s.changes.map((c) => c.path)));
    for (let i = 0; i < 50; i++) expect(covered).toContain(path.join(dir, `f${i}.js`));
  });
});

describe('BurstGate', () => {
  it('lets an isolated batch through, holds the ones that follow closely, and releases them once quiet', async () => {
    let released = 0;
    const gate = new BurstGate(() => released++, 40, 10_000);
    expect(gate.admit(false, 1000)).toBe(true);
    expect(gate.holding).toBe(false);
    expect(gate.admit(false, 1020)).toBe(false);
    expect(gate.holding).toBe(true);
    expect(gate.admit(false, 1200)).toBe(false); // still held: the burst has not been quiet yet
    await waitFor('the release', () => released === 1, 2000, 5);
    expect(gate.holding).toBe(false);
    expect(gate.admit(false, Date.now() + 10_000)).toBe(true);
    expect(gate.admit(true, Date.now() + 20_000)).toBe(false); // during a restart: part of the same burst
    gate.clear();
    expect(gate.holding).toBe(false);
  });
});

describe('no restart for no change', () => {
  it('a file rewritten with the bytes it had restarts nothing; a real change still restarts', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });
    await waitForBody(port, 'a');
    setMessage(dir, 'b'); // the runner now knows message.mjs's content
    await waitForBody(port, 'b');
    const restarts = run.of('restart').length;

    setMessage(dir, 'b'); // same bytes, new mtime: what an editor's "save" without edits does
    const ignored = await waitFor('the unchanged rewrite to be seen', () => run.of('ignored').find((e) => e.reason === 'unchanged'));
    expect(ignored.changes.map((c) => c.path)).toEqual([path.join(dir, 'message.mjs')]);
    expect(run.of('restart').length).toBe(restarts);

    setMessage(dir, 'c');
    await waitForBody(port, 'c');
    expect(run.of('restart').length).toBe(restarts + 1);
  });

  it('register hook: a loaded module rewritten with its own bytes restarts nothing, from the first time', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'one');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'one');
    fs.writeFileSync(path.join(dir, 'message.mjs'), messageModule('one'));
    fs.appendFileSync(path.join(dir, 'server.mjs'), '// a real change\n');
    await run.waitForOutput(/restarting: .*/);
    await waitForBody(port, 'one');
    expect(run.output().match(/restarting: .*/g)).toEqual(['restarting: modified server.mjs']);
  });

  it('ContentMemo: remembers a bounded number of files and forgets what it did not hash', () => {
    const dir = tempDir();
    const files = [0, 1, 2].map((i) => path.join(dir, `f${i}`));
    for (const f of files) fs.writeFileSync(f, 'x');
    const memo = new ContentMemo({ maxEntries: 2, maxFileBytes: 4, maxPerBatch: 8 });
    const batch = (...paths: string[]) => makeBatch(paths.map((p) => ({ change: Change.modified, path: p })));
    expect(memo.sift(batch(...files)).same).toEqual([]); // nothing known yet
    expect(memo.size).toBe(2); // the oldest was evicted
    expect(memo.sift(batch(files[2]!)).same.length).toBe(1);
    expect(memo.sift(batch(files[0]!)).same.length).toBe(0); // evicted: counts as a change
    fs.writeFileSync(files[2]!, 'too big'); // over maxFileBytes: not hashed, forgotten
    expect(memo.sift(batch(files[2]!)).same.length).toBe(0);
    fs.writeFileSync(files[2]!, 'x');
    expect(memo.sift(batch(files[2]!)).same.length).toBe(0); // not compared with the stale 'x' digest
    expect(memo.sift(makeBatch([{ change: Change.deleted, path: files[0]! }])).changed.length).toBe(1);
    expect(memo.sift(batch(files[0]!)).same.length).toBe(0);
  });
});

describe('no restart loops', () => {
  it('a server that writes a log in the watched tree at every start is paused with one line naming the file and the --ignore; other files still restart it', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'a');
    fs.mkdirSync(path.join(dir, 'logs'));
    // The server appends a line to logs/out.log each time it starts, as many servers do.
    fs.appendFileSync(
      path.join(dir, 'server.mjs'),
      `import fs from 'node:fs';\nfs.appendFileSync(new URL('./logs/out.log', import.meta.url), 'started ' + Date.now() + '\\n');\n`,
    );
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });
    const loop = await waitFor('the loop to be detected', () => run.of('loop')[0], 20_000);
    const log = path.join(dir, 'logs', 'out.log');
    expect(loop.files).toEqual([log]);
    const line = formatEvent(loop, { cwd: dir, colors: makeColors(false) })!;
    expect(line.level).toBe('warn');
    expect(line.text).toContain('logs/out.log');
    expect(line.text).toContain('--ignore "logs/out.log"');
    const restarts = run.of('restart').length;
    expect(restarts).toBeLessThanOrEqual(4);

    // Other files still restart it; the log it writes on that start does not.
    setMessage(dir, 'b');
    await waitForBody(port, 'b');
    await waitFor('the log line of the last start', () => fs.readFileSync(log, 'utf8').trim().split('\n').length === run.of('start').length);
    setMessage(dir, 'c');
    await waitForBody(port, 'c');
    expect(run.of('restart').length).toBe(restarts + 2);
    expect(run.of('loop').length).toBe(1);
  });

  it('a script that edits a module right after each restart is not taken for a loop', async () => {
    const dir = tempDir();
    writeServerProject(dir, 'm0');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) } });
    await waitForBody(port, 'm0');
    for (let i = 1; i <= 8; i++) {
      setMessage(dir, `m${i}`);
      await waitForBody(port, `m${i}`);
    }
    expect(run.of('loop')).toEqual([]);
  });

  it('LoopGuard: the same appended file right after each start pauses it; one long after a start breaks the streak', () => {
    const guard = new LoopGuard(2000, 3);
    expect(guard.observe(['/a', '/b'], 100)).toEqual([]);
    expect(guard.observe(['/a'], 150)).toEqual([]);
    expect(guard.observe(['/b'], 5000)).toEqual([]); // long after the start: streak broken
    expect(guard.observe(['/a'], 100)).toEqual([]);
    expect(guard.observe([], 100)).toEqual([]); // an edit, not an append: streak broken
    expect(guard.observe(['/a'], 100)).toEqual([]);
    expect(guard.observe(['/a'], 100)).toEqual([]);
    expect(guard.observe(['/a', '/c'], 100)).toEqual(['/a']);
    expect(guard.pausedFiles).toEqual(['/a']);
    const change = (p: string) => ({ change: Change.modified, path: p });
    expect(guard.strip([change('/a'), change('/c')])).toEqual([change('/c')]);
  });

  it('ContentMemo: tells an append from a rewrite', () => {
    const dir = tempDir();
    const f = path.join(dir, 'out.log');
    fs.writeFileSync(f, 'one\n');
    const memo = new ContentMemo();
    memo.remember([f]);
    const batch = () => makeBatch([{ change: Change.modified, path: f }]);
    fs.appendFileSync(f, 'two\n');
    expect(memo.sift(batch()).appended).toEqual([f]);
    fs.writeFileSync(f, 'ONE\ntwo\nthree\n');
    expect(memo.sift(batch()).appended).toEqual([]);
  });
});

/** Requests in `parallel` loops (a new connection each, or reused ones with `agent`) until stopped. */
function hammer(port: number, parallel = 4, agent: http.Agent | false = false) {
  let stopped = false;
  let sent = 0;
  const failures: string[] = [];
  let latest = '';
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, agent, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200) latest = body;
          else failures.push(`status ${res.statusCode}`);
          resolve();
        });
        res.on('error', (e) => (failures.push(String(e)), resolve()));
      });
      req.on('error', (e) => (failures.push(String(e)), resolve()));
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
  const loops = Array.from({ length: parallel }, async () => {
    while (!stopped) {
      sent++;
      await one();
    }
  });
  return {
    get latest() {
      return latest;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return { sent, failures };
    },
  };
}

/** A server that takes 20 ms per request, so restarts land while requests are in flight. */
function writeSlowServer(dir: string, message: string): void {
  fs.writeFileSync(path.join(dir, 'message.mjs'), messageModule(message));
  fs.writeFileSync(
    path.join(dir, 'server.mjs'),
    `import http from 'node:http';
import { message } from './message.mjs';
http.createServer((req, res) => setTimeout(() => res.end(message), 20)).listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
}

describe('zero-downtime restarts (socket)', () => {
  it('runProcess: 0 failed requests through 20 restarts while 4 clients hammer the server; in-flight requests finish', async () => {
    const dir = tempDir();
    writeSlowServer(dir, 'v0');
    const port = await freePort();
    const run = start(dir, 'node server.mjs', { env: { PORT: String(port) }, socket: port });
    await waitForBody(port, 'v0');
    expect(run.of('watching')[0]!.socket).toBe(`127.0.0.1:${port}`);
    const load = hammer(port);
    for (let i = 1; i <= 20; i++) {
      setMessage(dir, `v${i}`);
      await waitFor(`v${i} to be served`, () => load.latest === `v${i}`);
    }
    const { sent, failures } = await load.stop();
    expect(run.of('start').length).toBeGreaterThanOrEqual(21);
    expect(sent).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('keep-alive clients lose no request either: the old server drains its connections without a race', async () => {
    const dir = tempDir();
    writeSlowServer(dir, 'v0');
    // The program closes its own server on SIGINT and exits once it is closed, as many do (and
    // examples/server.mjs does): http.Server.close() would cut idle keep-alive connections at once; the
    // held server's close() drains them.
    fs.writeFileSync(
      path.join(dir, 'server.mjs'),
      fs.readFileSync(path.join(dir, 'server.mjs'), 'utf8').replace('http.createServer', 'const server = http.createServer') +
        "process.once('SIGINT', () => server.close(() => process.exit(0)));\n",
    );
    const port = await freePort();
    start(dir, 'node server.mjs', { env: { PORT: String(port) }, socket: port });
    await waitForBody(port, 'v0');
    const agent = new http.Agent({ keepAlive: true });
    const load = hammer(port, 4, agent);
    try {
      for (let i = 1; i <= 10; i++) {
        setMessage(dir, `v${i}`);
        await waitFor(`v${i} to be served`, () => load.latest === `v${i}`);
      }
    } finally {
      const { failures } = await load.stop();
      agent.destroy();
      expect(failures).toEqual([]);
    }
  });

  it('register hook with WATCHFILES_SOCKET: the same, without a change to the server', async () => {
    const dir = tempDir('wf-register-');
    writeSlowServer(dir, 'v0');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port), WATCHFILES_SOCKET: String(port) } });
    await waitForBody(port, 'v0');
    await run.waitForOutput(/holding 127\.0\.0\.1:\d+ across restarts/);
    const load = hammer(port);
    for (let i = 1; i <= 5; i++) {
      setMessage(dir, `v${i}`);
      await waitFor(`v${i} to be served`, () => load.latest === `v${i}`);
    }
    const { failures } = await load.stop();
    expect(failures).toEqual([]);
  });

  it('a plain command opts in by reading fd 3 (LISTEN_FDS=1, LISTEN_PID is its own pid), as with systemd', async () => {
    const dir = tempDir();
    // perl is not node: no preload reaches it; it takes the socket the systemd way.
    fs.writeFileSync(
      path.join(dir, 'serve.pl'),
      `use strict; use IO::Handle; use Socket;
die "LISTEN_PID $ENV{LISTEN_PID} is not $$" unless $ENV{LISTEN_PID} == $$ && $ENV{LISTEN_FDS} eq '1';
open(my $msg, '<', 'message.txt') or die; my $text = <$msg>; chomp $text;
open(my $s, '+<&=3') or die "fd 3: $!"; $s->blocking(1); listen($s, 128) or die "listen: $!";
while (accept(my $c, $s)) { my $req = ''; while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/; } print $c "HTTP/1.1 200 OK\\r\\nContent-Length: " . length($text) . "\\r\\nConnection: close\\r\\n\\r\\n$text"; close $c; }
`,
    );
    fs.writeFileSync(path.join(dir, 'message.txt'), 'p0\n');
    const port = await freePort();
    const run = start(dir, 'perl serve.pl', { socket: `127.0.0.1:${port}`, stopSignal: 'SIGTERM' });
    await waitForBody(port, 'p0');
    const load = hammer(port, 2);
    for (let i = 1; i <= 3; i++) {
      fs.writeFileSync(path.join(dir, 'message.txt'), `p${i}\n`);
      await waitFor(`p${i} to be served`, () => load.latest === `p${i}`);
    }
    const { failures } = await load.stop();
    // perl dies on SIGTERM at once, so a request it had accepted can fail; none may be refused.
    expect(failures.filter((f) => f.includes('ECONNREFUSED'))).toEqual([]);
    expect(run.of('restart').length).toBeGreaterThanOrEqual(3);
  });

  it('rejects a bad socket option and a port in use with messages naming them', async () => {
    expect(() => runProcess('.', 'node x.js', { socket: 'localhost:http' })).toThrow(/option "socket" must be a port or host:port/);
    expect(() => runProcess('.', 'node x.js', { socket: 70000 })).toThrow(/port must be 1-65535/);
    const port = await freePort();
    const blocker = http.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'x.js'), '');
      await expect(runProcess(dir, 'node x.js', { socket: port, handleSignals: false, restartOnInput: false })).rejects.toThrow(
        /socket 127\.0\.0\.1:\d+: cannot bind \(EADDRINUSE\).*choose another port/,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('CLI options of the hot features', () => {
  it('parses --socket, --livereload, --livereload-port and --assets, and names the mistake in bad uses', async () => {
    const { parseCli } = await import('../src/cli/parse.js');
    const dir = tempDir();
    const run = await parseCli(['--socket', '127.0.0.1:4000', '--livereload', '--livereload-port', '4001', '--assets', 'css,woff2', 'node x.js', dir], dir);
    expect(run.kind === 'run' && run.options).toMatchObject({ socket: '127.0.0.1:4000', livereload: { port: 4001 }, assets: ['.css', '.woff2'] });
    await expect(parseCli(['--socket', 'nope', 'node x.js', dir], dir)).rejects.toThrow(/--socket must be a port or host:port/);
    await expect(parseCli(['--assets', 'css', 'node x.js', dir], dir)).rejects.toThrow(/--assets only applies with --livereload/);
    await expect(parseCli(['--livereload', '--livereload-port', '0', 'node x.js', dir], dir)).rejects.toThrow(/--livereload-port must be a port/);
  });
});
