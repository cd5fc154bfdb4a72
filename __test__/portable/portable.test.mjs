/**
 * The portable part of the suite, for the platforms test:cross runs under emulation (linux-arm64 under
 * qemu, Windows under wine) where vitest cannot run (its esbuild has no binary for them). Plain node:test
 * on the built package (dist/), results written to a file by the reporter (wine's Node can fail to write
 * to stdout). The backend it must find is WATCHFILES_EXPECT_BACKEND, so a silent fallback to polling fails.
 * Run natively by __test__/portable.test.ts as well, so it cannot rot on the host.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import chokidar from '../../dist/chokidar.js';
import { Change, getReloader, runProcess, subscribe, WatchError } from '../../dist/index.js';

const expectBackend = process.env.WATCHFILES_EXPECT_BACKEND;
// How to start another Node: under qemu-user without binfmt_misc the arm64 node cannot be exec'ed directly,
// so test:cross passes the emulator command line (JSON) to put in front of it.
const nodeCommand = [...JSON.parse(process.env.WATCHFILES_NODE_PREFIX ?? '[]'), process.execPath];
const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-portable-')));
let n = 0;
const fresh = () => {
  const d = path.join(base, `t${n++}`);
  fs.mkdirSync(d);
  return d;
};

/** Polls `probe` every 25 ms until truthy; fails naming `what` after `ms`. */
async function waitFor(what, probe, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Running, not a zombie (a killed grandchild waits for a reaper, which a container's pid 1 may not be). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A recorder of batches on `dir`: the changes seen so far as [name, relative path]. */
async function record(dir, options = {}) {
  const seen = [];
  const sub = await subscribe(dir, (batch) => {
    for (const c of batch) seen.push([Change[c.change], path.relative(dir, c.path).split(path.sep).join('/')]);
  }, { step: 30, ...options });
  const has = (name, rel) => seen.some(([c, p]) => c === name && p === rel);
  return { sub, seen, waitFor: (name, rel) => waitFor(() => `${name} ${rel} (seen: ${JSON.stringify(seen)})`, () => has(name, rel)) };
}

after(() => fs.rmSync(base, { recursive: true, force: true }));

describe('watch semantics on the native backend', () => {
  it('uses the native backend this platform should have', async () => {
    const r = await record(fresh());
    try {
      if (expectBackend) assert.equal(r.sub.backend, expectBackend);
      assert.notEqual(r.sub.backend, 'js-poll');
    } finally {
      await r.sub.close();
    }
  });

  it('reports added, modified and deleted files, and files in directories made after the start', async () => {
    const dir = fresh();
    const r = await record(dir);
    try {
      fs.writeFileSync(path.join(dir, 'a.txt'), '1');
      await r.waitFor('added', 'a.txt');
      fs.appendFileSync(path.join(dir, 'a.txt'), '22');
      await r.waitFor('modified', 'a.txt');
      fs.mkdirSync(path.join(dir, 'sub', 'deep'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'sub', 'deep', 'b.txt'), 'b');
      await r.waitFor('added', 'sub/deep/b.txt');
      fs.rmSync(path.join(dir, 'a.txt'));
      await r.waitFor('deleted', 'a.txt');
    } finally {
      await r.sub.close();
    }
  });

  it('reports both sides of a rename, and drops ignored directories', async () => {
    const dir = fresh();
    fs.mkdirSync(path.join(dir, 'node_modules'));
    const r = await record(dir);
    try {
      fs.writeFileSync(path.join(dir, 'node_modules', 'ignored.js'), 'x');
      fs.writeFileSync(path.join(dir, 'old.txt'), 'x');
      await r.waitFor('added', 'old.txt');
      fs.renameSync(path.join(dir, 'old.txt'), path.join(dir, 'new.txt'));
      await r.waitFor('deleted', 'old.txt');
      await r.waitFor('added', 'new.txt');
      assert.ok(!r.seen.some(([, p]) => p.startsWith('node_modules')), JSON.stringify(r.seen));
    } finally {
      await r.sub.close();
    }
  });

  it('close() stops delivery', async () => {
    const dir = fresh();
    const r = await record(dir);
    await r.sub.close();
    fs.writeFileSync(path.join(dir, 'late.txt'), 'x');
    // A batch would come within step (30 ms); wait well past it on a slow emulator, then expect nothing.
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(r.seen, []);
  });
});

describe('errors', () => {
  it('a missing path is a WatchError ENOENT naming it', async () => {
    const missing = path.join(base, 'nope');
    await assert.rejects(subscribe(missing, () => {}), (e) => e instanceof WatchError && e.code === 'ENOENT' && e.message.includes(missing));
  });

  it('a bad option is a TypeError naming it', async () => {
    await assert.rejects(subscribe(base, () => {}, { debounce: -1 }), (e) => e instanceof TypeError && /debounce/.test(e.message));
  });
});

describe('reloaders', () => {
  it('getReloader() picks the native one and fires reload on a change', async () => {
    const dir = fresh();
    const reloader = getReloader();
    assert.equal(reloader.name, 'watchfiles');
    reloader.watchDir(dir, '**/*.js');
    const fired = new Promise((resolve) => reloader.on('reload', resolve));
    const running = reloader.run();
    try {
      await waitFor('the reloader to watch', async () => {
        fs.writeFileSync(path.join(dir, 'app.js'), String(Date.now()));
        return Promise.race([fired.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
      });
    } finally {
      reloader.stop();
      await running;
    }
  });
});

describe('the process runner', () => {
  let dir;
  before(() => {
    dir = fresh();
    fs.mkdirSync(path.join(dir, 'src'));
    // The child starts a grandchild; both write their pid, so the test can see that a restart stops the tree.
    fs.writeFileSync(
      path.join(dir, 'parent.mjs'),
      `import { spawn } from 'node:child_process';
import fs from 'node:fs';
const [file, ...args] = ${JSON.stringify(nodeCommand)};
const g = spawn(file, [...args, ${JSON.stringify(path.join(dir, 'grandchild.mjs'))}], { stdio: 'ignore' });
fs.appendFileSync(${JSON.stringify(path.join(dir, 'pids.log'))}, process.pid + ' ' + g.pid + '\\n');
setInterval(() => {}, 1000);
`,
    );
    fs.writeFileSync(path.join(dir, 'grandchild.mjs'), 'setInterval(() => {}, 1000);\n');
  });

  it('restarts on a change, stops the whole old tree first, and leaves nothing on stop()', async () => {
    const log = path.join(dir, 'pids.log');
    const starts = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number)) : []);
    const events = [];
    const command = [...nodeCommand, 'parent.mjs'].map((w) => `"${w}"`).join(' ');
    const handle = runProcess(path.join(dir, 'src'), command, {
      cwd: dir,
      stdio: 'ignore',
      sigintTimeout: 3000,
      handleSignals: false,
      restartOnInput: false,
      onEvent: (e) => events.push(e.type ?? e.kind ?? String(e)),
    });
    try {
      await waitFor(() => `first start (events: ${JSON.stringify(events)})`, () => starts().length === 1, 60_000);
      const [first] = starts();
      fs.writeFileSync(path.join(dir, 'src', 'app.js'), 'x');
      await waitFor(() => `restart (events: ${JSON.stringify(events)})`, () => starts().length === 2, 60_000);
      for (const pid of first) assert.equal(alive(pid), false, `pid ${pid} of the first tree is still running`);
    } finally {
      await handle.stop();
    }
    const last = starts().at(-1);
    await waitFor(() => `the last tree ${last} to be gone`, () => last.every((pid) => !alive(pid)), 10_000);
  });
});

describe('the chokidar facade', () => {
  it('emits ready, then add and change, and closes', async () => {
    const dir = fresh();
    const watcher = chokidar.watch(dir, { ignoreInitial: true });
    const events = [];
    watcher.on('all', (event, p) => events.push([event, path.basename(p)]));
    try {
      await new Promise((resolve, reject) => {
        watcher.on('ready', resolve);
        watcher.on('error', reject);
      });
      fs.writeFileSync(path.join(dir, 'c.txt'), '1');
      await waitFor(() => `add (events: ${JSON.stringify(events)})`, () => events.some(([e, p]) => e === 'add' && p === 'c.txt'));
      fs.appendFileSync(path.join(dir, 'c.txt'), '2');
      await waitFor(() => `change (events: ${JSON.stringify(events)})`, () => events.some(([e, p]) => e === 'change' && p === 'c.txt'));
    } finally {
      await watcher.close();
    }
  });
});
