/**
 * Python's watchfiles, for the benches that measure it next to us (idle.mjs: import cost; memory.mjs:
 * watching a big tree): one virtual environment in .cache/pyvenv, made and filled from PyPI (pip) on first
 * use and reused after, so every bench measures the same install.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_VENV = path.join(REPO, '.cache', 'pyvenv');

/**
 * The venv's python, with watchfiles importable: the venv is made and watchfiles installed first when it is
 * not. Throws, naming the step that failed, when python3 cannot make the venv or pip cannot install.
 */
export function pythonWithWatchfiles({ venv = DEFAULT_VENV, log = () => {} } = {}) {
  const python = path.join(venv, 'bin', 'python');
  if (importsWatchfiles(python)) return python;
  log(`installing Python's watchfiles from PyPI into ${venv.startsWith(REPO + path.sep) ? path.relative(REPO, venv) : venv}`);
  run('python3', ['-m', 'venv', venv], `python3 -m venv ${venv} (on Debian/Ubuntu: apt-get install python3-venv)`);
  run(python, ['-m', 'pip', 'install', '-q', 'watchfiles'], 'pip install watchfiles');
  if (!importsWatchfiles(python)) throw new Error(`${python} cannot import watchfiles after pip installed it`);
  return python;
}

function importsWatchfiles(python) {
  return spawnSync(python, ['-c', 'import watchfiles'], { stdio: 'ignore' }).status === 0;
}

function run(command, args, what) {
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}
