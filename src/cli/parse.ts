/**
 * `watchfiles [options] <target> [paths...]` -> what to run, what to watch and how. Every mistake is a
 * UsageError naming the option or the path, so the CLI can exit 1 with one clear line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULTS, MAX_MS, optionSpec, type WatchOptionName } from '../watch/option-table.js';
import { CHANGE_SOURCES, type ChangeSourceName } from '../run/change-source-names.js';
import { RUN_DEFAULTS, type RunProcessOptions } from '../run/run-options.js';
import { parseSocketAddress } from '../run/held-socket.js';
import { splitCommand } from '../run/split-command.js';
import { detectTargetType, type TargetType } from '../run/target.js';
import { buildFilter, parseExtensions } from './filter.js';
import { CLI_OPTIONS } from './options.js';
import { UsageError } from './usage-error.js';
import { findExecutable } from './which.js';

export type Verbosity = 'warning' | 'info' | 'debug';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      target: string;
      targetType: 'command' | 'function';
      paths: string[];
      options: RunProcessOptions;
      verbosity: Verbosity;
      clear: boolean;
      filterDescription: string;
      warnings: string[];
    };

export async function parseCli(argv: string[], cwd: string = process.cwd()): Promise<CliCommand> {
  let values: Record<string, unknown> = {};
  try {
    return await parse(argv, cwd, (v) => (values = v));
  } catch (error) {
    // `watchfiles --ext "node server.js" src`: the command went to a flag; whatever failed after that
    // (a missing target, "src" not found as a command, a bad --ext), name the flag that took it.
    if (!(error instanceof UsageError)) throw error;
    const targetProblem = /^(missing <target>|command not found|a function target|function target module)/.test(error.message);
    throw flagThatTookTheCommand(values, cwd, targetProblem) ?? error;
  }
}

async function parse(argv: string[], cwd: string, seen: (values: Record<string, unknown>) => void): Promise<CliCommand> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        CLI_OPTIONS.map((o) => [
          o.name,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error as Error & { code?: string }, argv));
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  seen(v);
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };

  const [target, ...rawPaths] = parsed.positionals;
  if (target === undefined || target.trim() === '') {
    throw new UsageError('missing <target>: the command to run, like watchfiles "node server.js" src');
  }
  const paths = (rawPaths.length ? rawPaths : ['.']).map((p) => path.resolve(cwd, p));
  for (const [i, p] of paths.entries()) {
    if (!fs.existsSync(p)) throw new UsageError(`path "${rawPaths[i] ?? '.'}" does not exist (${p})`);
  }

  const warnings: string[] = [];
  const targetTypeOpt = oneOf(v, 'target-type', ['auto', 'command', 'function'] as const, 'auto') as TargetType;
  const targetType = targetTypeOpt === 'auto' ? detectTargetType(target) : targetTypeOpt;
  const shell = v.shell === true;
  const args = typeof v.args === 'string' ? splitArgs(v.args) : [];
  if (args.length && targetType === 'command') warnings.push('--args is only used when the target is a function; ignored');
  checkTarget(target, targetType, shell, cwd);

  const verbosity: Verbosity = v.verbose ? 'debug' : (oneOf(v, 'verbosity', ['warning', 'info', 'debug'] as const, 'info') as Verbosity);
  const extensions = typeof v.ext === 'string' ? parseExtensions(checkExt(v.ext)) : undefined;
  const ignorePaths = typeof v['ignore-paths'] === 'string' ? v['ignore-paths'].split(',').map((s) => s.trim()).filter(Boolean) : [];
  const filterName = typeof v.filter === 'string' ? v.filter : 'default';
  const { filter, description } = await buildFilter(filterName, ignorePaths, extensions, cwd);
  const changeSource = changeSourceFlag(v, warnings);
  const backend = v.backend === undefined ? undefined : (oneOf(v, 'backend', ['native', 'watchman'] as const, 'native') as 'native' | 'watchman');
  if (backend === 'watchman' && changeSource !== undefined && changeSource !== 'watchman') {
    throw new UsageError(`--backend watchman cannot be combined with --change-source ${changeSource}`);
  }

  const options: RunProcessOptions = {
    targetType,
    shell,
    args,
    cwd,
    filter,
    sigintTimeout: seconds(v, 'sigint-timeout', 5),
    sigkillTimeout: seconds(v, 'sigkill-timeout', 1),
    gracePeriod: seconds(v, 'grace-period', 0),
    stopSignal: stopSignal(v['stop-signal']),
    restartOnInput: v['no-restart-on-input'] !== true,
    warmSpare: v['no-warm-spare'] !== true,
  };
  Object.assign(options, watchFlags(v));
  if (changeSource) options.changeSource = changeSource;
  if (typeof v.socket === 'string') {
    try {
      parseSocketAddress(v.socket, '--socket');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    options.socket = v.socket;
  }
  const lrPort = v['livereload-port'];
  if (v.livereload === true) {
    const port = lrPort === undefined ? undefined : Number(lrPort);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new UsageError(`--livereload-port must be a port (1-65535), got "${String(lrPort)}"`);
    }
    options.livereload = port === undefined ? true : { port };
    if (typeof v.assets === 'string') options.assets = parseExtensions(v.assets);
  } else if (lrPort !== undefined || v.assets !== undefined) {
    throw new UsageError(`--${lrPort !== undefined ? 'livereload-port' : 'assets'} only applies with --livereload; add --livereload`);
  }
  if ((options.debounce ?? DEFAULTS.debounce) < (options.step ?? RUN_DEFAULTS.step)) {
    throw new UsageError(`--debounce (${options.debounce ?? DEFAULTS.debounce}) must not be smaller than --step (${options.step ?? RUN_DEFAULTS.step})`);
  }

  return {
    kind: 'run',
    target,
    targetType,
    paths,
    options,
    verbosity,
    clear: v.clear === true,
    filterDescription: description,
    warnings,
  };
}

/** A command that cannot start is bad usage: say so now rather than after every change. */
function checkTarget(target: string, type: 'command' | 'function', shell: boolean, cwd: string): void {
  if (type === 'function') {
    const file = target.trim().replace(/:[A-Za-z_$][\w$]*$/, '');
    if (!/:[A-Za-z_$][\w$]*$/.test(target.trim())) {
      throw new UsageError(`a function target looks like "./module.js:exportName", got "${target}"`);
    }
    if (!fs.existsSync(path.resolve(cwd, file))) throw new UsageError(`function target module "${file}" does not exist`);
    return;
  }
  if (shell) return;
  let split;
  try {
    split = splitCommand(target);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (split.shellSyntax !== undefined) {
    throw new UsageError(
      `the command "${target}" uses shell syntax (${split.shellSyntax}); add --shell to run it through /bin/sh, or quote the character`,
    );
  }
  const command = split.words[0];
  if (command === undefined) throw new UsageError('missing <target>: the command is empty');
  if (!findExecutable(command, cwd, { ...process.env, ...split.env })) {
    throw new UsageError(`command not found: "${command}" (is it installed and on PATH?)`);
  }
}

function splitArgs(value: string): string[] {
  try {
    return splitCommand(value).words;
  } catch (error) {
    throw new UsageError(`--args: ${(error as Error).message}`);
  }
}

/** The watcher's flags, read through the option table they were made from (cli/options.ts). */
function watchFlags(v: Record<string, unknown>): Partial<Record<WatchOptionName, unknown>> {
  const out: Partial<Record<WatchOptionName, unknown>> = {};
  for (const flag of CLI_OPTIONS) {
    const name = flag.watchOption;
    const raw = v[flag.name];
    if (!name || raw === undefined) continue;
    const spec = optionSpec(name)!;
    if (spec.kind === 'bool') {
      if (raw === true) out[name] = spec.cli?.value ?? true;
    } else if (spec.kind === 'ms') out[name] = ms(v, flag.name, spec.min);
    else if (spec.kind === 'oneOf') out[name] = oneOf(v, flag.name, spec.values, spec.default);
    else out[name] = raw;
  }
  return out;
}

/** --change-source, or its deprecated name --reloader (whose watchfiles is native) with a warning. */
function changeSourceFlag(v: Record<string, unknown>, warnings: string[]): ChangeSourceName | undefined {
  const source = v['change-source'] === undefined ? undefined : (oneOf(v, 'change-source', CHANGE_SOURCES, 'native') as ChangeSourceName);
  if (v.reloader === undefined) return source;
  const old = oneOf(v, 'reloader', ['watchfiles', 'stat', 'watchman'], 'watchfiles');
  const fromOld: ChangeSourceName = old === 'watchfiles' ? 'native' : (old as ChangeSourceName);
  if (source !== undefined && source !== fromOld) {
    throw new UsageError(`--change-source ${source} and its old name --reloader ${old} disagree; pass --change-source only`);
  }
  warnings.push(`--reloader is deprecated: write --change-source ${fromOld}`);
  return fromOld;
}

function oneOf(v: Record<string, unknown>, name: string, values: readonly string[], dflt: string): string {
  const value = v[name];
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || !values.includes(value)) {
    throw new UsageError(`--${name} must be one of ${values.join(', ')}, got "${String(value)}"`);
  }
  return value;
}

function seconds(v: Record<string, unknown>, name: string, dflt: number): number {
  const value = v[name];
  if (value === undefined) return dflt * 1000;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0 || n * 1000 > MAX_MS) {
    throw new UsageError(`--${name} must be a number of seconds from 0 to ${Math.floor(MAX_MS / 1000)}, got "${String(value)}"`);
  }
  return Math.round(n * 1000);
}

function ms(v: Record<string, unknown>, name: string, min: number): number {
  const value = v[name];
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < min || n > MAX_MS) {
    throw new UsageError(`--${name} must be a number of ms from ${min} to ${MAX_MS}, got "${String(value)}"`);
  }
  return Math.round(n);
}

function stopSignal(value: unknown): NodeJS.Signals {
  if (value === undefined) return 'SIGINT';
  const name = String(value).toUpperCase();
  const signal = name.startsWith('SIG') ? name : `SIG${name}`;
  if (!(signal in constants.signals)) {
    throw new UsageError(`--stop-signal must be a signal name like SIGINT or SIGTERM, got "${String(value)}"`);
  }
  return signal as NodeJS.Signals;
}

/** parseArgs' own messages, in ours: balanced quotes, and the flag named in the way it was written. */
function parseArgsMessage(error: Error & { code?: string }, argv: string[]): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    return (
      `unknown option "${flag}"; to pass a target or path that starts with "-", put it after "--", ` +
      `as in: watchfiles -- ${JSON.stringify(flag)}`
    );
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '--ext <value>' argument missing", or a boolean flag given a value (--shell=yes).
    const flag = /'(-[^' ]+)/.exec(error.message)?.[1];
    const option = CLI_OPTIONS.find((o) => `--${o.name}` === flag || `-${o.short}` === flag);
    if (option?.type === 'string' && argv[argv.length - 1] === flag) {
      return `${flag} needs a value (${flag} ${option.value ?? '<value>'}) before the command`;
    }
    if (option?.type === 'boolean') return `${flag} takes no value`;
  }
  return error.message;
}

/**
 * A flag that takes a value, given the command by mistake (`watchfiles --ext "node server.js"`): parseArgs
 * takes the command as the flag's value. Returns an error naming the flag when one value looks like the
 * command (several words whose first is an executable, or a function target), else undefined. --args
 * (whose value may well look like a command) counts only when the target is missing or cannot run.
 */
function flagThatTookTheCommand(v: Record<string, unknown>, cwd: string, targetProblem: boolean): UsageError | undefined {
  for (const option of CLI_OPTIONS) {
    if (option.type !== 'string' || (option.name === 'args' && !targetProblem)) continue;
    const raw = v[option.name];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string' || !looksLikeCommand(value, cwd)) continue;
      return new UsageError(
        `--${option.name} took "${value}" as its value, which looks like the command: ` +
          `give --${option.name} its value (--${option.name} ${option.value ?? '<value>'}) or put the command after the options`,
      );
    }
  }
  return undefined;
}

function looksLikeCommand(value: string, cwd: string): boolean {
  if (/^\.{0,2}\/?[\w./-]+\.[cm]?[jt]s:[A-Za-z_$][\w$]*$/.test(value.trim())) return true;
  const words = value.trim().split(/\s+/);
  return words.length > 1 && words[0] !== undefined && findExecutable(words[0], cwd) !== undefined;
}

/** --ext takes extensions (js,ts,.json); anything with a space or a slash is something else. */
function checkExt(value: string): string {
  if (/[\s/\\]/.test(value)) {
    throw new UsageError(`--ext takes a comma-separated list of extensions like --ext js,ts,json, got "${value}"`);
  }
  return value;
}
