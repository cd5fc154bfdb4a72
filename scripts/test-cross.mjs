#!/usr/bin/env node
// `npm run test:cross [linux-arm64-gnu] [win32-x64-msvc]`: the portable tests (__test__/portable/) on the
// binaries build:cross made, each platform with its own Node 20 from npm:
// - linux-arm64-gnu under qemu-aarch64-static (sysroot of Debian's libc6-arm64-cross);
// - win32-x64 under wine 8 (NODE_SKIP_PLATFORM_CHECK=1), with stand-in DLLs for the two that wine lacks.
// Results go to a TAP file (wine's Node can fail to write to stdout); one pass/fail line per platform.
// Needs `npm run build` (dist/) and `npm run build:cross` first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binaryPath, cache, need, nodeFromNpm, root, run } from './cross.mjs';

const TIMEOUT_MS = Number(process.env.WATCHFILES_CROSS_TIMEOUT_MS ?? 10 * 60_000);
const testFile = path.join(root, '__test__', 'portable', 'portable.test.mjs');
const outDir = path.join(cache, 'results');

const PLATFORMS = {
  'linux-arm64-gnu': armUnderQemu,
  'win32-x64-msvc': windowsUnderWine,
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(PLATFORMS);
const lines = [];
for (const name of names) {
  const setup = PLATFORMS[name];
  const started = Date.now();
  let line;
  try {
    if (!setup) throw new Error(`unknown platform; known: ${Object.keys(PLATFORMS).join(' ')}`);
    if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    if (!fs.existsSync(binaryPath(name))) throw new Error(`${path.relative(root, binaryPath(name))} is missing: run \`npm run build:cross\` first`);
    const r = await runTap(name, setup());
    line = `${r.fail === 0 && r.pass > 0 && r.status === 0 ? 'PASS' : 'FAIL'} ${name}: ${r.pass} passed, ${r.fail} failed${r.note}`;
    if (r.fail > 0 || r.pass === 0 || r.status !== 0) {
      process.exitCode = 1;
      if (r.failures) console.error(`--- ${name} failures (${r.tap}):\n${r.failures}`);
    }
  } catch (error) {
    line = `FAIL ${name}: ${error.message}`;
    process.exitCode = 1;
  }
  lines.push(`${line} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  console.log(lines.at(-1));
}
console.log(`\ntest:cross\n${lines.map((l) => `  ${l}`).join('\n')}`);

function armUnderQemu() {
  need('qemu-aarch64-static', 'apt-get install qemu-user-static');
  const sysroot = '/usr/aarch64-linux-gnu';
  if (!fs.existsSync(path.join(sysroot, 'lib', 'libstdc++.so.6'))) throw new Error(`${sysroot} lacks libstdc++ (apt-get install gcc-aarch64-linux-gnu)`);
  const node = path.join(nodeFromNpm('linux-arm64'), 'node');
  const prefix = ['qemu-aarch64-static', '-L', sysroot];
  return {
    command: [...prefix, node],
    toNodePath: (p) => p,
    env: {
      WATCHFILES_NATIVE_LIBRARY_PATH: binaryPath('linux-arm64-gnu'),
      WATCHFILES_EXPECT_BACKEND: 'inotify',
      // No binfmt_misc in a container: children of the emulated Node are started through qemu too.
      WATCHFILES_NODE_PREFIX: JSON.stringify(prefix),
    },
  };
}

function windowsUnderWine() {
  const wine = ['/usr/lib/wine/wine64', '/usr/bin/wine64'].find((f) => fs.existsSync(f));
  if (!wine) throw new Error('wine64 is not installed (apt-get install wine64)');
  need('x86_64-w64-mingw32-gcc', 'apt-get install mingw-w64');
  const bin = nodeFromNpm('win-x64');
  // Rust's std imports these; wine 8 has neither DLL. Built from scripts/wine/*.c, kept beside node.exe.
  const dlls = { 'bcryptprimitives.dll': ['bcryptprimitives.c', '-ladvapi32'], 'api-ms-win-core-synch-l1-2-0.dll': ['synch.c'] };
  for (const [dll, [source, ...libs]] of Object.entries(dlls)) {
    const src = path.join(root, 'scripts', 'wine', source);
    const out = path.join(bin, dll);
    if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) continue;
    run('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-o', out, src, ...libs, '-Wl,--kill-at']);
  }
  const prefix = path.join(cache, 'wineprefix');
  // wine 8's taskkill has no /T, which the runner uses to stop a child's tree as on Windows: a stand-in
  // with /T, built from scripts/wine/taskkill.c, replaces it in this prefix (loaded as native, below).
  const taskkillSrc = path.join(root, 'scripts', 'wine', 'taskkill.c');
  const taskkill = path.join(cache, 'taskkill.exe');
  if (!fs.existsSync(taskkill) || fs.statSync(taskkill).mtimeMs < fs.statSync(taskkillSrc).mtimeMs) {
    run('x86_64-w64-mingw32-gcc', ['-O2', '-municode', '-o', taskkill, taskkillSrc]);
  }
  const env = {
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEARCH: 'win64',
    // No Mono or Gecko installer dialogs on the first start; our stand-ins before any builtin.
    WINEDLLOVERRIDES: 'mscoree=d;mshtml=d;bcryptprimitives=n,b;api-ms-win-core-synch-l1-2-0=n,b;taskkill.exe=n',
    // Node loads an addon with LOAD_WITH_ALTERED_SEARCH_PATH, which skips node.exe's directory: the
    // stand-ins are found through PATH.
    WINEPATH: `Z:${bin.replaceAll('/', '\\')}`,
    DISPLAY: '',
  };
  const toNodePath = (p) => `Z:${p.replaceAll('/', '\\')}`;
  const system32 = path.join(prefix, 'drive_c', 'windows', 'system32');
  if (!fs.existsSync(system32)) run(wine, ['wineboot', '--init'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  fs.copyFileSync(taskkill, path.join(system32, 'taskkill.exe'));
  return {
    command: [wine, path.join(bin, 'node.exe')],
    toNodePath,
    env: {
      ...env,
      NODE_SKIP_PLATFORM_CHECK: '1',
      WATCHFILES_NATIVE_LIBRARY_PATH: toNodePath(binaryPath('win32-x64-msvc')),
      WATCHFILES_EXPECT_BACKEND: 'windows',
    },
    // Wine's server outlives the run; stop it (only this prefix's) so nothing is left behind.
    cleanup: () => run('/usr/lib/wine/wineserver', ['-k'], { env: { ...process.env, ...env }, stdio: 'ignore' }),
  };
}

/** Runs the portable tests with `setup`'s Node; counts from the TAP file. */
async function runTap(name, setup) {
  fs.mkdirSync(outDir, { recursive: true });
  const tap = path.join(outDir, `${name}.tap`);
  fs.rmSync(tap, { force: true });
  const [file, ...args] = setup.command;
  // stdout and stderr go to a file, not a pipe: wine's Node cannot open a pipe as its stderr (EBADF).
  const logFile = path.join(outDir, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const child = spawn(
    file,
    [...args, '--test-reporter=tap', `--test-reporter-destination=${setup.toNodePath(tap)}`, setup.toNodePath(testFile)],
    { cwd: root, env: { ...process.env, ...setup.env }, stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, TIMEOUT_MS);
  const status = await new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  clearTimeout(timer);
  try {
    setup.cleanup?.();
  } catch {
    // no server left to stop
  }
  const stderr = fs.readFileSync(logFile, 'utf8').slice(-4000);
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (what) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const failures = text
    .split('\n')
    .filter((l) => /^\s*not ok |^\s+(error|message):|^\s{8,}\S/.test(l))
    .slice(0, 60)
    .join('\n');
  let note = '';
  if (timedOut) note = ` (killed after ${TIMEOUT_MS / 1000} s)`;
  else if (!text) note = ` (no results written; exit ${status}; stderr: ${stderr.trim().split('\n').slice(-5).join(' | ')})`;
  return { pass: count('pass'), fail: count('fail'), status: timedOut ? 'timeout' : status, note, failures, tap };
}
