/**
 * What runProcess runs: a command ("node server.js --port 3000") or a function exported by a module
 * ("./app.js:main", called in a fresh Node child). Turns a target string into what to spawn.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { splitCommand } from './split-command.js';

export type TargetType = 'command' | 'function' | 'auto';

export interface SpawnSpec {
  file: string;
  args: string[];
  /** Extra environment for the child (leading NAME=value words of a command). */
  env: Record<string, string>;
  shell: boolean;
  /** How the target reads in messages: the command line, or `module:export`. */
  label: string;
  type: 'command' | 'function';
}

// `file.ext:name` where ext is one Node can import: the Node spelling of Python's dotted `module.func`.
const FUNCTION_TARGET = /^(\S+\.(?:js|mjs|cjs|ts|mts|cts|jsx|tsx)):([A-Za-z_$][\w$]*)$/;

/** 'function' when the target looks like `path/to/module.js:exportName`, else 'command'. */
export function detectTargetType(target: string): 'command' | 'function' {
  return FUNCTION_TARGET.test(target.trim()) ? 'function' : 'command';
}

export interface TargetOptions {
  targetType: TargetType;
  shell: boolean;
  /** Arguments for a function target: its process.argv.slice(2). */
  args: string[];
  /** Node flags for a function target's child (like child_process.fork's execArgv). */
  execArgv: string[];
  cwd: string;
}

export function buildSpawnSpec(target: string, options: TargetOptions): SpawnSpec {
  const type = options.targetType === 'auto' ? detectTargetType(target) : options.targetType;
  if (type === 'function') return functionSpec(target.trim(), options);
  if (options.shell) {
    return { file: target, args: [], env: {}, shell: true, label: target, type: 'command' };
  }
  const split = splitCommand(target);
  if (split.words.length === 0) throw new TypeError('target must name a command to run, got an empty command');
  if (split.shellSyntax !== undefined) {
    throw new TypeError(
      `target "${target}" uses shell syntax (${split.shellSyntax}) but runs without a shell; ` +
        `pass shell: true (CLI: --shell) or quote the character`,
    );
  }
  const [file, ...args] = split.words as [string, ...string[]];
  return { file, args, env: split.env, shell: false, label: target, type: 'command' };
}

function functionSpec(target: string, options: TargetOptions): SpawnSpec {
  const match = FUNCTION_TARGET.exec(target);
  if (!match) {
    throw new TypeError(`function target must look like "./module.js:exportName", got "${target}"`);
  }
  const [, modulePath, exportName] = match as unknown as [string, string, string];
  const moduleUrl = pathToFileURL(path.resolve(options.cwd, modulePath)).href;
  // A fresh Node process imports the module and calls the export, like Python's spawn-context Process.
  // The module is imported after argv is set, so code reading process.argv at import time sees the args.
  const code = [
    `const [url, name, ...args] = process.argv.slice(1);`,
    `process.argv = [process.argv[0], ${JSON.stringify(modulePath)}, ...args];`,
    `const mod = await import(url);`,
    `const fn = mod[name] ?? mod.default?.[name];`,
    `if (typeof fn !== 'function') {`,
    `  console.error('watchfiles: ' + ${JSON.stringify(modulePath)} + ' has no exported function "' + name + '"');`,
    `  process.exit(1);`,
    `}`,
    `await fn(...args);`,
  ].join('\n');
  return {
    file: process.execPath,
    args: [...options.execArgv, '--input-type=module', '--eval', code, '--', moduleUrl, exportName, ...options.args],
    env: {},
    shell: false,
    label: target,
    type: 'function',
  };
}
