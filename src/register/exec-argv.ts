/**
 * The supervised child re-runs the same command: process.execPath, process.execArgv with our register
 * flag swapped for the child-side entry, process.argv. Every other Node flag (--inspect, --import tsx,
 * --enable-source-maps...) is kept in its place.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FLAGS = new Set(['--import', '--require', '-r']);

/**
 * `execArgv` with each flag that loads `selfFile` (this register module, under any spelling) replaced by
 * one that loads `childFile`. When no flag names us (NODE_OPTIONS did), the child flag is prepended.
 */
export function childExecArgv(execArgv: readonly string[], selfFile: string, childFile: string, cwd = process.cwd()): string[] {
  const childFlag = childFile.endsWith('.cjs')
    ? ['--require', childFile]
    : ['--import', pathToFileURL(childFile).href];
  const out: string[] = [];
  let replaced = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (FLAGS.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : execArgv[i + 1];
      if (value !== undefined && isSelf(value, selfFile, cwd)) {
        if (!replaced) out.push(...childFlag);
        replaced = true;
        if (eq < 0) i++;
        continue;
      }
    }
    out.push(arg);
  }
  return replaced ? out : [...childFlag, ...out];
}

/** True when a flag in `execArgv` loads `selfFile` (false when the hook came from NODE_OPTIONS). */
export function loadsSelf(execArgv: readonly string[], selfFile: string, cwd = process.cwd()): boolean {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    if (!FLAGS.has(eq > 0 ? arg.slice(0, eq) : arg)) continue;
    const value = eq > 0 ? arg.slice(eq + 1) : execArgv[i + 1];
    if (value !== undefined && isSelf(value, selfFile, cwd)) return true;
  }
  return false;
}

/** True when the specifier given to --import/--require loads `selfFile` (compared without extension). */
export function isSelf(specifier: string, selfFile: string, cwd: string): boolean {
  if (specifier === 'watchfiles-node/register') return true;
  const resolved = resolveSpecifier(specifier, cwd);
  return resolved !== undefined && stripExt(real(resolved)) === stripExt(real(selfFile));
}

function resolveSpecifier(specifier: string, cwd: string): string | undefined {
  try {
    if (specifier.startsWith('file:')) return fileURLToPath(specifier);
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) return path.resolve(cwd, specifier);
    return createRequire(path.join(cwd, 'noop.js')).resolve(specifier);
  } catch {
    return undefined;
  }
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function stripExt(p: string): string {
  return p.replace(/\.(c|m)?js$/, '');
}
