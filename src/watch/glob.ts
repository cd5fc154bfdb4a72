/**
 * Ignore globs as the native filter reads them (crates/core/src/filter.rs: the `globset` crate with
 * `literal_separator`), turned into a RegExp for the TypeScript fallbacks in one left-to-right pass.
 * The rules, as the native filter answers them (__test__/filter-parity.test.ts holds the cases):
 * - `*` is any run within one path component, `?` one byte of it; neither matches `/`.
 * - `**` is a whole component or it is just `*`: `**\/x` (also at the start of a `{}` alternative) is "x at
 *   any depth", `a/**\/b` is "a, any directories, b", `a/**` is "anything below a" (not a itself), and a
 *   glob of only `**` matches everything.
 * - `[...]` is a class of characters and ranges (it may match `/`); `[!...]` or `[^...]` negates it; a `]`
 *   first or a `-` first or last is literal, and a backslash is literal inside it.
 * - `{a,b}` alternatives nest; an empty alternative is dropped (`a{,b}` is only `ab`); `{1..3}` is literal.
 * - `\` escapes the next character (on Windows it is a separator instead). Everything else, `(`, `+`, `@`,
 *   `!` and `,` outside braces included, is literal. Case is significant.
 * Names are matched as bytes: the RegExp is tested on the name spelled as its UTF-8 bytes (`globSubject`),
 * and a non-ASCII character in the glob stands for its bytes, in a class too (`[é]` is one byte, C3 or A9,
 * so it never matches a whole `é`).
 */
import { WatchError } from './types.js';

const BACKSLASH_IS_SEPARATOR = process.platform === 'win32';
const isSeparator = (c: string | undefined) => c === '/' || (BACKSLASH_IS_SEPARATOR && c === '\\');

const STAR = '[^/]*';
/** Zero or more whole directories, after a `/` or at the start. */
const ANY_DIRECTORIES = '(?:.*/)?';

/**
 * The RegExp that matches, whole, the `/`-separated paths the native filter matches with `glob`; a bad
 * glob throws the native filter's EINVAL, naming `shownAs` (the glob as the user wrote it, untrimmed).
 */
export function globToRegExp(glob: string, shownAs = glob): RegExp {
  // `s`: a name may hold a newline, and the `.` of `**` crosses it in the native filter too.
  return new RegExp(`^(?:${regExpSource(glob, shownAs)})$`, 's');
}

/** `s` spelled as its UTF-8 bytes, one character each: what a RegExp from globToRegExp is tested on. */
export function globSubject(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

type Position = 'alternative' | 'separator' | 'other';

function regExpSource(glob: string, shownAs: string): string {
  const fail = (why: string): never => {
    throw new WatchError('EINVAL', `invalid ignore glob ${JSON.stringify(shownAs)}: ${why} (fix or remove it)`);
  };
  const chars = Array.from(glob);
  if (chars[0] === '*' && chars[1] === '*' && (chars.length === 2 || (chars.length === 3 && isSeparator(chars[2])))) {
    return '.*';
  }
  // One list of alternatives per open `{`, the outermost being the glob itself; output goes to the last one.
  const groups: string[][] = [['']];
  const emit = (source: string) => {
    const alternatives = groups[groups.length - 1]!;
    alternatives[alternatives.length - 1] += source;
  };
  const current = () => groups[groups.length - 1]!.at(-1)!;
  /** What follows a `**` at `chars[i]`: a separator, the end of the glob or of an alternative, or more. */
  const afterStars = (i: number): 'separator' | 'end' | 'more' => {
    const after = chars[i + 2];
    if (isSeparator(after)) return 'separator';
    return after === undefined || (groups.length > 1 && (after === ',' || after === '}')) ? 'end' : 'more';
  };
  const wholeComponentStars = (i: number) => chars[i] === '*' && chars[i + 1] === '*' && afterStars(i) !== 'more';
  // What the last character read leaves us at, for a `**` that follows: the start of an alternative (or of
  // the glob), just after a separator, or anywhere else.
  let at: Position = 'alternative';

  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    let next: Position = 'other';
    if (c === '*' && chars[i + 1] === '*') {
      const after = afterStars(i);
      if (at !== 'other' && after === 'separator') {
        emit(ANY_DIRECTORIES);
        i += 2;
        next = 'separator';
      } else if (at === 'separator' && after === 'end') {
        emit('.+');
        i += 1;
      } else {
        // Not a whole component (`a**`, `**b`, `{**}`): the same as one `*`.
        if (!current().endsWith(STAR)) emit(STAR);
        i += 1;
      }
    } else if (c === '*') {
      // Runs of stars are one star: `[^/]*[^/]*...` only costs the RegExp backtracking.
      if (!current().endsWith(STAR)) emit(STAR);
    } else if (c === '?') {
      emit('[^/]');
    } else if (c === '[') {
      i = readClass(chars, i + 1, emit, fail);
    } else if (c === '{') {
      groups.push(['']);
      next = 'alternative';
    } else if (c === ',' && groups.length > 1) {
      groups[groups.length - 1]!.push('');
      next = 'alternative';
    } else if (c === '}') {
      if (groups.length === 1) fail("unopened alternate group; missing '{' (maybe escape '}' with '[}]'?)");
      const alternatives = groups.pop()!.filter((a) => a !== '');
      if (alternatives.length) emit(`(?:${alternatives.join('|')})`);
    } else if (isSeparator(c)) {
      emit('/');
      next = 'separator';
    } else if (c === '\\') {
      const escaped = chars[++i];
      if (escaped === undefined) fail("dangling '\\'");
      // The native filter reads an escaped `,` or `{` in a group as a `/` when a whole-component `**`
      // follows (`{a\,**}` is `{a/**}`); do the same, so the two sides never disagree.
      const asSeparator =
        escaped === '/' || (groups.length > 1 && (escaped === ',' || escaped === '{') && wholeComponentStars(i + 1));
      emit(asSeparator ? '/' : literal(escaped!));
      if (asSeparator) next = 'separator';
    } else {
      emit(literal(c));
    }
    at = next;
  }
  if (groups.length > 1) fail("unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)");
  return groups[0]![0]!;
}

/**
 * Reads the class whose body starts at `chars[start]`, emits it, and returns the index of its `]`.
 * A `-x` right after a range moves the range's end to `x` (`[a-c-b]` is `[a-b]`), as the native filter has it.
 * Unlike `*` and `?`, a class may match `/` (`[!x]` and `[.-0]` do): the native filter keeps `/` from
 * wildcards only.
 */
function readClass(chars: string[], start: number, emit: (s: string) => void, fail: (why: string) => never): number {
  let i = start;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i++;
  const ranges: Array<[string, string]> = [];
  const bodyStart = i;
  for (; chars[i] !== ']' || i === bodyStart; i++) {
    const c = chars[i];
    if (c === undefined) fail("unclosed character class; missing ']'");
    const last = ranges[ranges.length - 1];
    const end = chars[i + 1];
    if (c === '-' && last && end !== undefined && end !== ']') {
      if (end.codePointAt(0)! < last[0].codePointAt(0)!) fail(`invalid range; '${last[0]}' > '${end}'`);
      last[1] = end;
      i++;
    } else {
      ranges.push([c!, c!]);
    }
  }
  const body = ranges.map(([from, to]) => (from === to ? literal(from) : `${literal(from)}-${literal(to)}`)).join('');
  emit(`[${negated ? '^' : ''}${body}]`);
  return i;
}

/** `c` as RegExp source matching exactly its UTF-8 bytes; `\xHH` is safe both outside and inside a class. */
function literal(c: string): string {
  let out = '';
  for (const byte of Buffer.from(c, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(ch) ? ch : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}
