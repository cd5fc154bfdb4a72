#!/usr/bin/env node
// `npm run pack:all`: the npm tarballs a release would publish, packed from this checkout into packed/:
// watchfiles-node with its optionalDependencies wired to the platform packages (as `napi prepublish` does at
// release), one tarball per platform package whose binary is built (npm/<platform>/, or the host build at the
// root), and the alias package watchfiles-chokidar. Each is packed from a staging copy, so package.json here
// never changes. Install them together: npm install ./packed/watchfiles-node-<v>.tgz ./packed/<platform>.tgz
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformDirs } from './platforms.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --out <dir> packs elsewhere (the packed-install test uses a temp dir); the default is packed/ (gitignored).
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'packed');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

for (const f of ['dist/index.js', 'dist/cli.js', 'index.cjs']) {
  if (!fs.existsSync(path.join(root, f))) fail(`${f} is missing: run \`npm run build\` first`);
}
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.endsWith('.tgz')) fs.rmSync(path.join(out, f));
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'watchfiles-pack-'));

try {
  const packed = [];
  const platforms = platformDirs(root);
  for (const p of platforms) {
    const meta = JSON.parse(fs.readFileSync(path.join(p.dir, 'package.json'), 'utf8'));
    if (meta.version !== pkg.version) fail(`${meta.name} is at ${meta.version}, watchfiles-node at ${pkg.version}`);
    const binary = [path.join(p.dir, meta.main), path.join(root, meta.main)].find((f) => fs.existsSync(f));
    if (!binary) continue;
    if (p.name === 'win32-x64-msvc' && binary.startsWith(p.dir)) {
      console.error('pack:all: note: win32-x64-msvc here is the GNU-toolchain stand-in from build:cross; releases ship the MSVC build');
    }
    const dir = stage(`platform-${p.name}`, { 'package.json': path.join(p.dir, 'package.json'), 'README.md': path.join(p.dir, 'README.md'), [meta.main]: binary });
    packed.push(pack(dir));
  }

  const main = { ...pkg, optionalDependencies: Object.fromEntries(platforms.map((p) => [p.packageName, pkg.version])) };
  const mainFiles = Object.fromEntries(pkg.files.map((f) => [f, path.join(root, f)]));
  const mainDir = stage('main', mainFiles);
  fs.writeFileSync(path.join(mainDir, 'package.json'), `${JSON.stringify(main, null, 2)}\n`);
  packed.unshift(pack(mainDir));

  const alias = path.join(root, 'packages/chokidar-compat');
  const aliasMeta = JSON.parse(fs.readFileSync(path.join(alias, 'package.json'), 'utf8'));
  if (aliasMeta.version !== pkg.version) fail(`watchfiles-chokidar is at ${aliasMeta.version}, watchfiles-node at ${pkg.version}`);
  packed.push(pack(stage('alias', Object.fromEntries([...aliasMeta.files, 'package.json'].map((f) => [f, path.join(alias, f)])))));

  for (const f of packed) console.log(path.join(out, f));
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

/** Copies `files` (name in the package -> source path; directories whole) into a fresh staging directory. */
function stage(name, files) {
  const dir = path.join(staging, name);
  fs.mkdirSync(dir);
  for (const [to, from] of Object.entries(files)) {
    if (!fs.existsSync(from)) fail(`${from} is missing`);
    fs.cpSync(from, path.join(dir, to), { recursive: true });
  }
  if (!files.LICENSE) fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
  return dir;
}

function pack(dir) {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(json)[0].filename;
}

function fail(message) {
  console.error(`pack:all: ${message}`);
  process.exit(1);
}
