#!/usr/bin/env node
// `npm run build:cross [platform...]`: release builds of the addon for every target this Linux x64 machine
// can link (see TARGETS in cross.mjs), each left where napi's release layout puts it:
// npm/<platform>/watchfiles-node.<platform>.node (gitignored). The host's own build is `npm run build`.
// - linux-arm64-gnu: Debian's aarch64-linux-gnu-gcc as linker.
// - linux-x64-musl, linux-arm64-musl: cargo-zigbuild (zig from PyPI), as the release workflow does;
//   `-C target-feature=-crt-static`, because a cdylib cannot link musl statically.
// - win32-x64: x86_64-pc-windows-gnu (mingw-w64) as a stand-in for the MSVC build the release ships.
import fs from 'node:fs';
import path from 'node:path';
import { TARGETS, binaryPath, libnodeDir, need, root, run, zigBin } from './cross.mjs';

const wanted = process.argv.slice(2);
const targets = wanted.length ? TARGETS.filter((t) => wanted.includes(t.platform)) : TARGETS;
if (wanted.length && targets.length !== wanted.length) {
  console.error(`build:cross: unknown platform in ${wanted.join(' ')}; known: ${TARGETS.map((t) => t.platform).join(' ')}`);
  process.exit(2);
}

const results = [];
for (const t of targets) {
  const started = Date.now();
  try {
    build(t);
    results.push(`${t.platform.padEnd(18)} built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(root, binaryPath(t.platform))}`);
  } catch (error) {
    results.push(`${t.platform.padEnd(18)} FAILED: ${error.message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
console.log(`\nbuild:cross\n${results.map((r) => `  ${r}`).join('\n')}`);

function build(t) {
  for (const tool of t.tools) need(tool, 'apt-get install gcc-aarch64-linux-gnu mingw-w64 mingw-w64-tools, python3-pip');
  const key = t.triple.toUpperCase().replaceAll('-', '_');
  const env = { ...process.env };
  if (t.linker) env[`CARGO_TARGET_${key}_LINKER`] = t.linker;
  if (t.triple.includes('musl')) env[`CARGO_TARGET_${key}_RUSTFLAGS`] = '-C target-feature=-crt-static';
  if (t.triple.includes('windows-gnu')) env.LIBNODE_PATH = libnodeDir();
  let cargo = ['build'];
  if (t.zig) {
    env.PATH = `${zigBin()}${path.delimiter}${env.PATH}`;
    cargo = ['zigbuild'];
  }
  run('cargo', [...cargo, '--release', '--locked', '-p', 'watchfiles-node', '--target', t.triple], { cwd: root, env });
  const built = path.join(root, 'target', t.triple, 'release', t.triple.includes('windows') ? 'watchfiles_node.dll' : 'libwatchfiles_node.so');
  fs.copyFileSync(built, binaryPath(t.platform));
}
