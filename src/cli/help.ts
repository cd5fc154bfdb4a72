/** The text of `watchfiles --help`, built from the option table so every option and default is listed. */
import { CLI_OPTIONS } from './options.js';

export function helpText(version: string): string {
  const rows = CLI_OPTIONS.map((o) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` <${o.value}>` : ''}`;
    return { flag, text: `${o.help} (default: ${o.default})` };
  });
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  const options = rows.map((r) => `  ${r.flag.padEnd(width)}${wrap(r.text, LINE - width - 2, ' '.repeat(width + 2))}`).join('\n');
  return `watchfiles v${version}: run a command and restart it when files change

Usage: watchfiles [options] <target> [paths...]

  <target>   a command ("node server.js --port 3000": split into words like a shell would, run without a
             shell unless --shell), or a function "path/to/module.js:exportName" called in a fresh Node child
  [paths]    files and directories to watch (default: .)

The target runs in its own process group. On a change the whole group gets --stop-signal, then SIGKILL after
--sigint-timeout; the next run starts once none of it is left. The child finds what changed in
WATCHFILES_CHANGES (JSON [["modified", "/abs/path"], ...], [] at first). A child that exits on its own is
reported and restarted on the next change. Type rs + Enter to restart now; Ctrl-C stops everything.

Examples:
  watchfiles "node server.js" src
  watchfiles --ext js,mjs,json --ignore "*.test.js" "node --enable-source-maps server.js" src lib
  watchfiles --shell "npm run build && node dist/server.js" src
  watchfiles ./tasks.mjs:build src --args="--minify --out dist"

Options:
${options}

Environment: NO_COLOR / FORCE_COLOR (colour), WATCHFILES_FORCE_POLLING, WATCHFILES_POLL_DELAY_MS.
Exit status: 0 after a clean stop (Ctrl-C, SIGTERM), 1 on bad usage or a missing path.
`;
}

const LINE = 110;

/** Wraps `text` to `width` columns, continuing lines with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
}
