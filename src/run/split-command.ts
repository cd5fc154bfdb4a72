/**
 * Splits a command line into words the way a POSIX shell splits them (quotes, backslash escapes), without
 * running a shell: no globbing, no variable expansion, no operators. Shell syntax that would silently mean
 * something else without a shell (`&&`, `|`, `>`, `$VAR`, ...) is reported so the caller can say
 * "use shell: true" instead of running a surprising command.
 */

export interface SplitCommand {
  /** Leading `NAME=value` words, applied to the child's environment like `env NAME=value cmd` does. */
  env: Record<string, string>;
  /** The command and its arguments. */
  words: string[];
  /** The first unquoted piece of shell syntax found, if any (`&&`, `|`, `;`, `>`, `<`, `$`, a backtick, `&`). */
  shellSyntax?: string;
}

const OPERATORS = ['&&', '||', '|', ';', '>', '<', '&', '`', '$'];

export function splitCommand(command: string): SplitCommand {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let shellSyntax: string | undefined;
  let i = 0;
  while (i < command.length) {
    const ch = command[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      // Single quotes: everything literal up to the closing quote.
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new TypeError(`unterminated single quote in command: ${command}`);
      current += command.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      // Double quotes: backslash escapes only \, ", $ and `; `$` inside is still expansion to a shell.
      i++;
      let closed = false;
      while (i < command.length) {
        const c = command[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < command.length && '\\"$`'.includes(command[i + 1]!)) {
          current += command[i + 1];
          i += 2;
          continue;
        }
        if ((c === '$' || c === '`') && shellSyntax === undefined) shellSyntax = c;
        current += c;
        i++;
      }
      if (!closed) throw new TypeError(`unterminated double quote in command: ${command}`);
    } else if (ch === '\\') {
      if (i + 1 < command.length) current += command[i + 1];
      i += 2;
    } else {
      const op = OPERATORS.find((o) => command.startsWith(o, i));
      if (op !== undefined && shellSyntax === undefined) shellSyntax = op;
      current += ch;
      i++;
    }
  }
  if (inWord) words.push(current);

  // Leading NAME=value words are environment assignments, as a shell reads them.
  const env: Record<string, string> = {};
  while (words.length > 1 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const word = words.shift()!;
    const eq = word.indexOf('=');
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  const result: SplitCommand = { env, words };
  if (shellSyntax !== undefined) result.shellSyntax = shellSyntax;
  return result;
}
