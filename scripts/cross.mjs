// What build:cross and test:cross share: the targets this Linux x64 machine can link, and the tools each
// needs, fetched on first use into .cache/cross/ inside the checkout (gitignored): Node 20 for arm64 Linux
// and for Windows from npm, zig and cargo-zigbuild from PyPI, an import library for node.exe, and the two
// stand-in DLLs wine 8 lacks. System tools come from Debian (.ci/run installs them).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cache = path.join(root, '.cache', 'cross');
export const NODE_VERSION = '20';

/**
 * platform: napi's name, so npm/<platform>/<binaryName>.<platform>.node is where `napi artifacts` puts a
 * release binary. win32-x64-msvc is built here with the GNU toolchain as a stand-in: MSVC cannot be had on
 * Linux; the release workflow builds the MSVC one on Windows.
 */
export const TARGETS = [
  { triple: 'aarch64-unknown-linux-gnu', platform: 'linux-arm64-gnu', linker: 'aarch64-linux-gnu-gcc', tools: ['aarch64-linux-gnu-gcc'] },
  { triple: 'x86_64-unknown-linux-musl', platform: 'linux-x64-musl', zig: true, tools: ['python3'] },
  { triple: 'aarch64-unknown-linux-musl', platform: 'linux-arm64-musl', zig: true, tools: ['python3'] },
  {
    triple: 'x86_64-pc-windows-gnu',
    platform: 'win32-x64-msvc',
    linker: 'x86_64-w64-mingw32-gcc',
    tools: ['x86_64-w64-mingw32-gcc', 'x86_64-w64-mingw32-dlltool', 'gendef'],
  },
];

export function binaryPath(platform) {
  return path.join(root, 'npm', platform, `watchfiles-node.${platform}.node`);
}

export function need(tool, hint) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed (${hint}; .ci/run installs it)`);
  }
}

export function run(file, args, opts = {}) {
  execFileSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

/** npm's `node-<flavour>@20` package unpacked once into the cache; returns the directory holding node(.exe). */
export function nodeFromNpm(flavour) {
  const dir = path.join(cache, `node-${flavour}`);
  const bin = path.join(dir, 'package', 'bin');
  if (fs.existsSync(path.join(bin, flavour.startsWith('win') ? 'node.exe' : 'node'))) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const json = execFileSync('npm', ['pack', `node-${flavour}@${NODE_VERSION}`, '--json', '--pack-destination', dir], { encoding: 'utf8' });
  const tgz = path.join(dir, JSON.parse(json)[0].filename);
  run('tar', ['xzf', tgz, '-C', dir]);
  fs.rmSync(tgz);
  return bin;
}

/**
 * LIBNODE_PATH for napi-build on x86_64-pc-windows-gnu: an import library (libnode.dll.a) for node.exe's
 * N-API exports, made with gendef + dlltool, plus the libnode.dll file napi-build insists on finding.
 */
export function libnodeDir() {
  const dir = path.join(cache, 'libnode');
  if (['libnode.dll.a', 'libnode.dll'].every((f) => fs.existsSync(path.join(dir, f)))) return dir;
  const nodeExe = path.join(nodeFromNpm('win-x64'), 'node.exe');
  fs.mkdirSync(dir, { recursive: true });
  const def = execFileSync('gendef', ['-', nodeExe], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const napi = def.split('\n').filter((l) => /^(napi_|node_api_)/.test(l.trim()));
  if (napi.length < 100) throw new Error(`gendef found only ${napi.length} N-API exports in ${nodeExe}`);
  fs.writeFileSync(path.join(dir, 'node.def'), `LIBRARY node.exe\nEXPORTS\n${napi.join('\n')}\n`);
  run('x86_64-w64-mingw32-dlltool', ['-d', path.join(dir, 'node.def'), '-l', path.join(dir, 'libnode.dll.a'), '-D', 'node.exe']);
  // napi-build checks that this file exists; the linker takes libnode.dll.a first.
  fs.writeFileSync(path.join(dir, 'libnode.dll'), '');
  return dir;
}

/** A directory with `zig` (PyPI ziglang) and `cargo-zigbuild` (PyPI cargo-zigbuild) on it, for musl. */
export function zigBin() {
  const py = path.join(cache, 'py');
  const bin = path.join(cache, 'bin');
  if (!fs.existsSync(path.join(py, 'bin', 'cargo-zigbuild'))) {
    run('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', py, 'ziglang', 'cargo-zigbuild']);
  }
  fs.mkdirSync(bin, { recursive: true });
  const zig = path.join(bin, 'zig');
  fs.writeFileSync(zig, `#!/bin/sh\nPYTHONPATH="${py}" exec python3 -m ziglang "$@"\n`, { mode: 0o755 });
  fs.copyFileSync(path.join(py, 'bin', 'cargo-zigbuild'), path.join(bin, 'cargo-zigbuild'));
  fs.chmodSync(path.join(bin, 'cargo-zigbuild'), 0o755);
  return bin;
}
