/**
 * Every watcher option in one table: its kind and range, its default (and the environment variable that
 * may set it), its CLI flag, whether reloaders pass it on, what each backend does with it, and its README
 * row. resolveOptions() validates from it, the CLI builds its flags from it, WatchfilesReloader and
 * StatReloader take their option names from it, the fallbacks reject from it, and a test holds README.md to
 * it. Adding an option means one entry here, its documented field in WatchOptions (types.ts; a compile-time
 * check below keeps the two in step) and, for the native core, its field in the binding.
 */

/**
 * The longest duration any option takes, in ms: setTimeout's ceiling (2^31-1, about 24.8 days). Larger
 * values would fire after 1 ms in Node's timers and wrap around in the native binding's 32-bit fields.
 */
export const MAX_MS = 2 ** 31 - 1;

/** The backends that watch: the native core, and the ones that stand in for it or beside it. */
export const BACKENDS = ['native', 'js-poll', 'stat', 'watchman'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How each backend is named in messages and in the README. */
export const BACKEND_LABELS: Record<BackendName, string> = {
  native: 'the native core',
  'js-poll': 'the JS poller',
  stat: "StatReloader (change source 'stat')",
  watchman: 'watchman',
};

/**
 * What a backend does with an option: `true` honours it; a `note` honours it in its own way (said in the
 * README); `rejects` is the value it cannot honour (a TypeError naming the option, the backend and `fix`).
 */
export type Support = true | { note: string } | { rejects: unknown; note: string; fix: string };

interface Common {
  /** The README row: the default as shown and what the option means. */
  readme: { default: string; meaning: string };
  /** The `watchfiles` flag: a value flag, or a boolean flag that sets `value` (`--no-vcs-settle` sets false). */
  cli?: { flag: string; help: string; default?: string; value?: boolean; placeholder?: string };
  /** WatchfilesReloader and StatReloader (and getReloader) take it and pass it on. */
  reloader?: boolean;
  /** Backends that do not simply honour it (absent: honoured everywhere). */
  support?: Partial<Record<BackendName, Support>>;
}

export type OptionSpec = Common &
  (
    | { kind: 'ms'; min: number; default?: number; env?: string }
    | { kind: 'bool'; default: boolean; env?: string }
    | { kind: 'oneOf'; values: readonly string[]; default: string }
    | { kind: 'globs'; default: readonly string[] }
    /** Validated by hand in resolveOptions (a function, a signal, a filter object). */
    | { kind: 'custom' }
  );

const GITIGNORE_FIX = 'list the ignored paths in "ignore" instead, or let the native core watch (it reads .gitignore files)';

export const WATCH_OPTIONS = {
  debounce: {
    kind: 'ms', min: 1, default: 1600, reloader: true,
    readme: { default: '`1600`', meaning: 'longest a batch collects events (ms), counted from its first event' },
    cli: { flag: 'debounce', placeholder: 'ms', help: 'Longest time a batch of changes may collect before a restart' },
  },
  step: {
    kind: 'ms', min: 1, default: 50, reloader: true,
    readme: { default: '`50`', meaning: 'quiet time (ms) after the last event before a batch is yielded (a lone edit after a quiet spell leaves sooner: see [Quick edits](#never-lose-never-storm))' },
    // The runner's default (RUN_DEFAULTS.step) is shorter; its flag shows that one.
    cli: { flag: 'step', placeholder: 'ms', default: '20', help: 'Quiet time after the last change before a restart' },
    support: {
      'js-poll': { note: 'yes, from the pass that found the change' },
      stat: { note: 'yes, from the pass that found the change' },
    },
  },
  signal: { kind: 'custom', readme: { default: '—', meaning: 'an `AbortSignal` that ends the watch' } },
  timeout: {
    kind: 'ms', min: 1,
    readme: { default: '—', meaning: 'with `yieldOnTimeout`, yield an empty batch after this many ms without changes' },
  },
  yieldOnTimeout: { kind: 'bool', default: false, readme: { default: '`false`', meaning: 'see `timeout`' } },
  recursive: {
    kind: 'bool', default: true,
    readme: { default: '`true`', meaning: 'watch subdirectories' },
    cli: { flag: 'non-recursive', value: false, help: 'Watch only the top level of each path, not sub-directories' },
  },
  ignore: {
    kind: 'globs', default: [],
    readme: {
      default: '`[]`',
      meaning:
        "globs to ignore: without a slash they match any path component's name (`*.log`, `dist`); with one the path relative to the watched root (`src/gen/**`). A matching directory is never watched",
    },
    cli: {
      flag: 'ignore', placeholder: 'glob',
      help: 'Ignore paths matching a glob (repeatable): a glob without / matches any path component (*.log, dist), one with / matches from the watched path (src/gen/**)',
    },
  },
  gitignore: {
    kind: 'bool', default: false,
    readme: {
      default: '`false`',
      meaning: 'also honour `.gitignore` / `.ignore` files (nested ones too, and those of the repository above the root) and `.git/info/exclude`',
    },
    cli: { flag: 'gitignore', value: true, help: 'Also ignore what .gitignore files ignore' },
    support: {
      'js-poll': { rejects: true, note: 'rejected', fix: GITIGNORE_FIX },
      stat: { rejects: true, note: 'rejected', fix: GITIGNORE_FIX },
      watchman: { rejects: true, note: 'rejected', fix: GITIGNORE_FIX },
    },
  },
  filter: {
    kind: 'custom',
    readme: {
      default: '`new DefaultFilter()`',
      meaning: 'a `DefaultFilter` (applied natively, replacing the default lists), `null` (no default ignores), or a function `(change, path) => boolean` run in JS after the native filters',
    },
  },
  forcePolling: {
    kind: 'bool', default: false, env: 'WATCHFILES_FORCE_POLLING', reloader: true,
    readme: { default: 'env `WATCHFILES_FORCE_POLLING`, else `false`', meaning: 'poll everywhere instead of using OS events' },
    cli: { flag: 'force-polling', value: true, default: 'false (env WATCHFILES_FORCE_POLLING)', help: 'Poll instead of using OS file events' },
    support: {
      'js-poll': { note: 'always polls' },
      stat: { note: 'always polls' },
      watchman: { rejects: true, note: 'rejected', fix: 'the watchman server decides how it watches; drop forcePolling or use the native backend' },
    },
  },
  pollDelay: {
    kind: 'ms', min: 1, default: 300, env: 'WATCHFILES_POLL_DELAY_MS', reloader: true,
    readme: { default: 'env `WATCHFILES_POLL_DELAY_MS`, else `300`', meaning: 'poll interval (ms)' },
    cli: {
      flag: 'poll-delay', placeholder: 'ms', default: '300 (env WATCHFILES_POLL_DELAY_MS)',
      help: 'Poll interval when polling (and the stat interval of --change-source stat)',
    },
    support: { stat: { note: 'the interval between stat passes' }, watchman: { note: 'unused: the server does not poll' } },
  },
  ignorePermissionDenied: {
    kind: 'bool', default: false, reloader: true,
    readme: { default: '`false`', meaning: 'skip unreadable directories instead of failing with `EACCES`' },
    cli: { flag: 'ignore-permission-denied', value: true, help: 'Skip directories that cannot be read instead of failing' },
    support: { stat: { note: 'unreadable directories are always skipped' }, watchman: { note: 'unused: the server reads the tree' } },
  },
  persistent: { kind: 'bool', default: true, readme: { default: '`true`', meaning: 'keep the process alive while watching' } },
  vcsSettle: {
    kind: 'bool', default: true, reloader: true,
    readme: { default: '`true`', meaning: 'hold the batch while a git/hg operation runs, yield once it is over' },
    cli: { flag: 'no-vcs-settle', value: false, help: 'Restart during a git checkout/rebase instead of once it is over' },
    support: { watchman: { note: "the server's `defer_vcs`" } },
  },
  vcsSettleTimeout: {
    kind: 'ms', min: 0, default: 10_000, reloader: true,
    readme: { default: '`10000`', meaning: 'ceiling (ms) for `vcsSettle`, so a stale lock never freezes the watcher' },
    support: { watchman: { note: 'unused: the server decides' } },
  },
  onLimit: {
    kind: 'oneOf', values: ['error', 'poll'], default: 'error', reloader: true,
    readme: {
      default: "`'error'`",
      meaning: "when the tree needs more inotify watches than allowed: `'error'` (EMAXWATCH) or `'poll'` the roots that do not fit",
    },
    support: { 'js-poll': { note: 'no limit: nothing is watched' }, stat: { note: 'no limit: nothing is watched' }, watchman: { note: "the server's limit" } },
  },
  followSymlinks: {
    kind: 'bool', default: true, reloader: true,
    readme: { default: '`true`', meaning: 'follow symlinked directories (each real directory is watched once; loops end)' },
    support: { watchman: { note: 'never: the server does not follow symlinks' } },
  },
  onError: {
    kind: 'custom',
    readme: {
      default: 'print to stderr',
      meaning: 'errors while watching (an unreadable directory created in the tree, a path too long to watch): the watcher goes on, and so does a `watch()` loop',
    },
  },
  backend: {
    kind: 'oneOf', values: ['native', 'watchman'], default: 'native',
    readme: {
      default: "`'native'`",
      meaning: "`'native'`: the Rust core (the JS poller when no binary loads). `'watchman'`: a running watchman server watches; see [Watchman](#watchman)",
    },
    cli: {
      flag: 'backend', placeholder: 'native|watchman',
      help: 'What watches: the native core, or a watchman server shared with other tools (same as --change-source watchman)',
    },
  },
} as const satisfies Record<string, OptionSpec>;

export type WatchOptionName = keyof typeof WATCH_OPTIONS;
type Table = typeof WATCH_OPTIONS;

/** The option names, in table order. */
export const WATCH_OPTION_NAMES = Object.keys(WATCH_OPTIONS) as WatchOptionName[];

/** Looks an option up by name (typed loosely, for the code that walks the table). */
export function optionSpec(name: string): OptionSpec | undefined {
  return Object.hasOwn(WATCH_OPTIONS, name) ? (WATCH_OPTIONS as Record<string, OptionSpec>)[name] : undefined;
}

/** The names of the options reloaders pass on to the watcher. */
export type ReloaderOptionName = { [K in WatchOptionName]: Table[K] extends { reloader: true } ? K : never }[WatchOptionName];

/** The options reloaders pass on to the watcher. */
export const RELOADER_OPTIONS: ReadonlySet<string> = new Set(
  WATCH_OPTION_NAMES.filter((n) => (WATCH_OPTIONS[n] as Common).reloader),
);

/** Each duration option and the smallest value it takes (the largest is MAX_MS). */
export const DURATION_OPTIONS = Object.freeze(
  Object.fromEntries(
    WATCH_OPTION_NAMES.flatMap((n) => {
      const s = WATCH_OPTIONS[n] as OptionSpec;
      return s.kind === 'ms' ? [[n, s.min]] : [];
    }),
  ) as { readonly [K in WatchOptionName as Table[K] extends { kind: 'ms' } ? K : never]: number },
);

/** The defaults of the duration options. */
export const DEFAULTS = Object.freeze({
  debounce: WATCH_OPTIONS.debounce.default,
  step: WATCH_OPTIONS.step.default,
  pollDelay: WATCH_OPTIONS.pollDelay.default,
  vcsSettleTimeout: WATCH_OPTIONS.vcsSettleTimeout.default,
});

type ValueOf<S> = S extends { kind: 'ms' }
  ? number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'oneOf'; values: readonly (infer V)[] }
      ? V
      : S extends { kind: 'globs' }
        ? string[]
        : never;

/** The table's validated values: every option with a default is set; `timeout` only when given. */
export type TableValues = {
  -readonly [K in WatchOptionName as Table[K] extends { kind: 'custom' } ? never : Table[K] extends { default: unknown } ? K : never]: ValueOf<Table[K]>;
} & {
  -readonly [K in WatchOptionName as Table[K] extends { kind: 'custom' } ? never : Table[K] extends { default: unknown } ? never : K]?: ValueOf<Table[K]>;
};

/** How `backend` treats `name` (true: honoured as documented). */
export function supportOf(name: WatchOptionName, backend: BackendName): Support {
  return (WATCH_OPTIONS[name] as Common).support?.[backend] ?? true;
}

/**
 * Throws a TypeError for the first option `backend` cannot honour at the value given: the option, the
 * backend, why it runs (when it stands in for the native core) and the fix.
 */
export function rejectUnsupported(options: Record<string, unknown>, backend: BackendName, why?: string): void {
  for (const name of WATCH_OPTION_NAMES) {
    const support = supportOf(name, backend);
    if (support === true || !('rejects' in support) || options[name] !== support.rejects) continue;
    throw new TypeError(
      `option "${name}" (${JSON.stringify(support.rejects)}) is not supported by ${BACKEND_LABELS[backend]}` +
        `${why ? ` (${why})` : ''}: ${support.fix}`,
    );
  }
}

/** Options of the API around a watcher (not of how a backend watches): every backend is equal there. */
const API_ONLY: ReadonlySet<string> = new Set(['timeout', 'yieldOnTimeout', 'persistent', 'backend']);

/** The README's "which backend honours what" table, generated from the table (a test keeps README.md equal). */
export function supportMarkdown(): string {
  const head = `| option | ${BACKENDS.map((b) => BACKEND_LABELS[b]).join(' | ')} |`;
  const rule = `|---|${BACKENDS.map(() => '---').join('|')}|`;
  const rows = WATCH_OPTION_NAMES.filter((n) => (WATCH_OPTIONS[n] as OptionSpec).kind !== 'custom' && !API_ONLY.has(n)).map((n) => {
    const cells = BACKENDS.map((b) => {
      const s = supportOf(n, b);
      return s === true ? 'yes' : 'rejects' in s ? `rejected (\`${JSON.stringify(s.rejects)}\`)` : s.note;
    });
    return `| \`${n}\` | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** The README's option table, generated from the table (a test keeps README.md equal). */
export function optionsMarkdown(): string {
  const rows = WATCH_OPTION_NAMES.map((n) => {
    const { readme } = WATCH_OPTIONS[n] as Common;
    return `| \`${n}\` | ${readme.default} | ${readme.meaning} |`;
  });
  return ['| option | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
