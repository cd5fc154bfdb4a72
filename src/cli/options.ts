/**
 * Every option of the `watchfiles` command in one table: parseArgs reads its config from it and --help
 * prints it, so the two never disagree. The first group mirrors Python's watchfiles CLI; the rest is ours.
 * The watcher's flags come from the watcher's option table (watchFlag), and parse.ts reads them back
 * through the same table.
 */
import { optionSpec, type WatchOptionName } from '../watch/option-table.js';
import { CHANGE_SOURCES } from '../run/change-source-names.js';

export interface CliOption {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder in --help (`<ms>`). */
  value?: string;
  /** The default as --help shows it. */
  default: string;
  help: string;
  /** Set for a flag of a watcher option: the option it sets. */
  watchOption?: WatchOptionName;
}

/** The flag of a watcher option, as its entry in the watcher's option table describes it. */
function watchFlag(name: WatchOptionName): CliOption {
  const spec = optionSpec(name)!;
  const cli = spec.cli!;
  const isBool = spec.kind === 'bool';
  const dflt = cli.default ?? (isBool ? 'false' : spec.kind === 'ms' || spec.kind === 'oneOf' ? String(spec.default ?? 'none') : 'none');
  return {
    name: cli.flag,
    type: isBool ? 'boolean' : 'string',
    ...(spec.kind === 'globs' ? { multiple: true } : {}),
    ...(isBool ? {} : { value: cli.placeholder ?? (spec.kind === 'oneOf' ? spec.values.join('|') : 'value') }),
    default: dflt,
    help: cli.help,
    watchOption: name,
  };
}

export const CLI_OPTIONS: readonly CliOption[] = [
  { name: 'target-type', type: 'string', value: 'auto|command|function', default: 'auto', help: 'Run the target as a command, or call `file.js:export` in a Node child; auto decides from its shape' },
  { name: 'filter', type: 'string', value: 'default|all|js|file.mjs:export', default: 'default', help: 'Which changes count: default ignores node_modules, .git, caches and editor temp files; all keeps everything; js keeps JS/TS/JSON sources; or a (change, path) => boolean function, or a DefaultFilter, exported by a module' },
  { name: 'ignore-paths', type: 'string', value: 'a,b', default: 'none', help: 'Comma-separated paths to ignore, with everything below them (with --filter default or js)' },
  { name: 'args', type: 'string', value: 'string', default: 'none', help: 'Arguments for a function target (its process.argv), split like a shell would; write --args="--flag x" when they start with a dash' },
  { name: 'sigint-timeout', type: 'string', value: 's', default: '5', help: 'Seconds to wait after the stop signal before SIGKILL to the whole process group' },
  { name: 'sigkill-timeout', type: 'string', value: 's', default: '1', help: 'Seconds to wait after SIGKILL for the process group to be gone' },
  { name: 'grace-period', type: 'string', value: 's', default: '0', help: 'Seconds after each start during which changes are ignored' },
  watchFlag('recursive'),
  watchFlag('ignorePermissionDenied'),
  { name: 'verbose', type: 'boolean', default: 'false', help: 'Also print debug lines (pids, signals, ignored changes); same as --verbosity debug' },
  { name: 'verbosity', type: 'string', value: 'warning|info|debug', default: 'info', help: 'How much to print' },
  { name: 'version', type: 'boolean', short: 'V', default: 'false', help: 'Print the version and exit' },
  { name: 'ext', type: 'string', value: 'js,ts,json', default: 'all', help: 'Only restart for files with these extensions' },
  watchFlag('ignore'),
  watchFlag('gitignore'),
  watchFlag('debounce'),
  watchFlag('step'),
  watchFlag('forcePolling'),
  watchFlag('pollDelay'),
  { name: 'change-source', type: 'string', value: CHANGE_SOURCES.join('|'), default: 'native watcher, else the JS poller', help: 'What detects changes. native: OS events through the native core (fails without the binary); stat: stat every watched file each --poll-delay (pure JS, works anywhere); watchman: a watchman server watches (WATCHMAN_SOCK, else `watchman get-sockname`), fails if none is reachable' },
  { name: 'reloader', type: 'string', value: 'watchfiles|stat|watchman', default: 'none', help: 'Deprecated: the old name of --change-source (watchfiles there is native)' },
  watchFlag('backend'),
  watchFlag('vcsSettle'),
  { name: 'clear', type: 'boolean', default: 'false', help: 'Clear the terminal before each restart (when stdout is a terminal)' },
  { name: 'stop-signal', type: 'string', value: 'signal', default: 'SIGINT', help: 'Signal sent to the process group to stop it (SIGTERM, SIGHUP, ...)' },
  { name: 'shell', type: 'boolean', default: 'false', help: 'Run the command through /bin/sh -c (cmd.exe on Windows), for &&, |, $VAR and globs' },
  { name: 'no-warm-spare', type: 'boolean', default: 'false', help: 'Do not keep the next node process booted and waiting (one idle process) to cut restart time' },
  { name: 'socket', type: 'string', value: '[host:]port', default: 'none', help: 'Zero-downtime restarts: hold this address (host 127.0.0.1 unless given) across restarts, so requests wait for the new server instead of failing; a node child gets it on its first listen() of that port, any other program as fd 3 (LISTEN_FDS, LISTEN_PID)' },
  { name: 'livereload', type: 'boolean', default: 'false', help: 'Browser live reload (LiveReload protocol 7 on 127.0.0.1:35729, its script added to the HTML a node child serves): stylesheets and images are swapped in the page without a restart; other changes restart, then reload the page once the server answers' },
  { name: 'livereload-port', type: 'string', value: 'port', default: '35729', help: 'Port of the LiveReload server (with --livereload)' },
  { name: 'assets', type: 'string', value: 'css,png,...', default: 'css,png,jpg,jpeg,gif,svg,webp,avif,ico', help: 'With --livereload: extensions of static assets, which are swapped or reloaded in the browser and never restart the server' },
  { name: 'no-restart-on-input', type: 'boolean', default: 'false', help: 'Do not read `rs` + Enter from a terminal stdin' },
  { name: 'help', type: 'boolean', short: 'h', default: 'false', help: 'Print this help and exit' },
];
