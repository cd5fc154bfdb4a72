/**
 * Ignore globs in the native filter's syntax (the Rust `globset` crate, as crates/core/src/filter.rs builds
 * them: `*` and `?` never cross a `/`), compiled to a RegExp by picomatch. globset and picomatch disagree on
 * part of the syntax: parentheses, `+`, `@` and a leading `!` are literal in globset; `{a}` is a group of
 * one and `{1..3}` a literal; `[!a]` is a negated class; `dist/**` does not match `dist` itself; an
 * unclosed `[` or `{` is an error. So the glob is read here with globset's grammar and handed to picomatch
 * in the part of its syntax both read alike: escaped literals, `?`, `*`, whole-segment `**`, classes and
 * `(a|b)` groups. Bad globs get the error the native watcher gives for them.
 *
 * globset matches bytes, not characters: `?` is one byte of the UTF-8 name, so it never matches `é`, and
 * `??` does. The RegExp works the same way on a name spelled as its UTF-8 bytes (see `globSubject`).
 */
import picomatch from 'picomatch';
import { WatchError } from './types.js';

type Token =
  | { t: 'literal'; c: string }
  | { t: 'any' | 'star' | 'recursivePrefix' | 'recursiveSuffix' | 'recursiveZeroOrMore' }
  | { t: 'class'; negated: boolean; ranges: Array<[string, string]> }
  | { t: 'alternates'; branches: Token[][] };

// globset escapes with a backslash on Unix; on Windows a backslash is a separator (its default).
const BACKSLASH_ESCAPES = process.platform !== 'win32';
const isSeparator = (c: string | undefined) => c === '/' || (!BACKSLASH_ESCAPES && c === '\\');

const PICOMATCH = { dot: true, noextglob: true, nonegate: true, nobrace: true, windows: false } as const;

/** The RegExp that matches what globset matches with `glob` (the whole string, `/`-separated). */
export function globToRegExp(glob: string): RegExp {
  const regexps = expandRecursiveAlternates(parse(glob)).map((tokens) => {
    // globset's special case: a glob of only `**` (or `**/`) matches everything.
    const pattern = tokens.length === 1 && tokens[0]!.t === 'recursivePrefix' ? '**' : emit(tokens);
    // An empty glob (`{}`, or `/` once trimmed) matches only the empty name: nothing.
    return pattern === '' ? /^$/ : picomatch.makeRe(pattern, PICOMATCH);
  });
  return regexps.length === 1 ? regexps[0]! : new RegExp(regexps.map((r) => r.source).join('|'), regexps[0]!.flags);
}

/** picomatch reads no `**` inside a group: `{**\/a,b}` becomes the globs `**\/a` and `b`. */
function expandRecursiveAlternates(tokens: Token[]): Token[][] {
  const at = tokens.findIndex((t) => t.t === 'alternates' && t.branches.some(hasRecursive));
  if (at < 0) return [tokens];
  // As in globset, an empty alternative is no alternative.
  const branches = (tokens[at] as Extract<Token, { t: 'alternates' }>).branches.filter((b) => b.length > 0);
  return branches.flatMap((branch) =>
    expandRecursiveAlternates([...tokens.slice(0, at), ...branch, ...tokens.slice(at + 1)]),
  );
}

function hasRecursive(tokens: Token[]): boolean {
  return tokens.some((t) => (t.t === 'alternates' ? t.branches.some(hasRecursive) : t.t.startsWith('recursive')));
}

/** `s` spelled as its UTF-8 bytes, one character each: what a RegExp from globToRegExp is tested on. */
export function globSubject(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** Reads `glob` as globset's parser does, or throws the native watcher's EINVAL naming it. */
function parse(glob: string): Token[] {
  const chars = Array.from(glob);
  let i = 0;
  let prev: string | undefined;
  let cur: string | undefined;
  const bump = () => {
    prev = cur;
    cur = chars[i++];
    return cur;
  };
  const peek = () => chars[i];
  const fail = (kind: string): never => {
    throw new WatchError('EINVAL', `invalid ignore glob ${JSON.stringify(glob)}: ${kind} (fix or remove it)`);
  };
  const UNOPENED = "unopened alternate group; missing '{' (maybe escape '}' with '[}]'?)";
  const branches: Token[][] = [[]];
  const alternates: number[] = [];
  const push = (tok: Token) => branches[branches.length - 1]!.push(tok);

  const parseStar = () => {
    const before = prev;
    if (peek() !== '*') return push({ t: 'star' });
    bump();
    const branch = branches[branches.length - 1]!;
    if (branch.length === 0) {
      if (peek() !== undefined && !isSeparator(peek())) return push({ t: 'star' }), push({ t: 'star' });
      push({ t: 'recursivePrefix' });
      bump();
      return;
    }
    if (!isSeparator(before) && (branches.length <= 1 || (before !== ',' && before !== '{'))) {
      return push({ t: 'star' }), push({ t: 'star' });
    }
    let isSuffix: boolean;
    const next = peek();
    if (next === undefined) {
      bump();
      isSuffix = true;
    } else if ((next === ',' || next === '}') && branches.length >= 2) {
      isSuffix = true;
    } else if (isSeparator(next)) {
      bump();
      isSuffix = false;
    } else {
      return push({ t: 'star' }), push({ t: 'star' });
    }
    const last = branch.pop()!;
    if (last.t === 'recursivePrefix' || last.t === 'recursiveSuffix') push(last);
    else push({ t: isSuffix ? 'recursiveSuffix' : 'recursiveZeroOrMore' });
  };

  const parseClass = () => {
    let negated = false;
    if (peek() === '!' || peek() === '^') {
      bump();
      negated = true;
    }
    const ranges: Array<[string, string]> = [];
    const extend = (c: string) => {
      const r = ranges[ranges.length - 1]!;
      r[1] = c;
      if (r[1].codePointAt(0)! < r[0].codePointAt(0)!) fail(`invalid range; '${r[0]}' > '${r[1]}'`);
    };
    let first = true;
    let inRange = false;
    for (;;) {
      const c = bump();
      if (c === undefined) fail("unclosed character class; missing ']'");
      if (c === ']') {
        if (!first) break;
        ranges.push([']', ']']);
      } else if (c === '-') {
        if (first) ranges.push(['-', '-']);
        else if (inRange) {
          extend('-');
          inRange = false;
        } else inRange = true;
      } else {
        if (inRange) extend(c!);
        else ranges.push([c!, c!]);
        inRange = false;
      }
      first = false;
    }
    if (inRange) ranges.push(['-', '-']);
    push({ t: 'class', negated, ranges });
  };

  for (let c = bump(); c !== undefined; c = bump()) {
    if (c === '?') push({ t: 'any' });
    else if (c === '*') parseStar();
    else if (c === '[') parseClass();
    else if (c === '{') {
      alternates.push(branches.length);
      branches.push([]);
    } else if (c === '}') {
      const start = alternates.pop();
      if (start === undefined) fail(UNOPENED);
      push({ t: 'alternates', branches: branches.splice(start!) });
    } else if (c === ',') {
      if (alternates.length === 0) push({ t: 'literal', c });
      else branches.push([]);
    } else if (c === '\\') {
      if (!BACKSLASH_ESCAPES) push({ t: 'literal', c: '/' });
      else {
        const escaped = bump();
        if (escaped === undefined) fail("dangling '\\'");
        push({ t: 'literal', c: escaped! });
      }
    } else push({ t: 'literal', c });
  }
  if (branches.length > 1) fail("unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)");
  return branches[0]!;
}

/** The tokens in picomatch's syntax, with every character that is not a wildcard escaped. */
function emit(tokens: Token[]): string {
  let out = '';
  for (const tok of tokens) {
    switch (tok.t) {
      case 'literal':
        out += tok.c === '/' ? '/' : escape(tok.c);
        break;
      case 'any':
        out += '?';
        break;
      case 'star':
        // `a**b` is two stars in globset: one star says the same, and never reads as picomatch's globstar.
        if (!out.endsWith('*') || out.endsWith('\\*')) out += '*';
        break;
      case 'recursivePrefix':
        out += '**/';
        break;
      case 'recursiveSuffix':
        // `/**` at the end matches what lies below, never the directory itself (picomatch's would).
        out += '/**/*';
        break;
      case 'recursiveZeroOrMore':
        out += '/**/';
        break;
      case 'class':
        out += `[${tok.negated ? '^' : ''}${tok.ranges
          .map(([a, b]) => (a === b ? escapeInClass(a) : `${escapeInClass(a)}-${escapeInClass(b)}`))
          .join('')}]`;
        break;
      case 'alternates': {
        // globset drops empty alternatives (`a{,b}` matches only `ab`); no alternative left, no group.
        const parts = tok.branches.map(emit).filter((p) => p !== '');
        if (parts.length) out += `(${parts.join('|')})`;
        break;
      }
    }
  }
  return out;
}

// A non-ASCII character stands for its UTF-8 bytes (in a class too, as globset has it).
function escape(c: string): string {
  if (c.codePointAt(0)! > 0x7f) return globSubject(c);
  return /^[A-Za-z0-9]$/.test(c) ? c : `\\${c}`;
}

function escapeInClass(c: string): string {
  if (c.codePointAt(0)! > 0x7f) return globSubject(c);
  return /^[\\\][^-]$/.test(c) ? `\\${c}` : c;
}
