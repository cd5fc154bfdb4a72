/** splitCommand and detectTargetType: how a target string becomes what runProcess spawns. */
import { describe, expect, it } from 'vitest';
import { detectTargetType, splitCommand } from '../src/index.js';

describe('splitCommand', () => {
  it('splits words like a POSIX shell, with quotes and escapes', () => {
    expect(splitCommand('node server.js --port 3000').words).toEqual(['node', 'server.js', '--port', '3000']);
    expect(splitCommand(`node -e "console.log('hi there')"`).words).toEqual(['node', '-e', "console.log('hi there')"]);
    expect(splitCommand(`echo 'a  b' "c \\"d\\"" e\\ f`).words).toEqual(['echo', 'a  b', 'c "d"', 'e f']);
    expect(splitCommand(`  spaced\t\targs  `).words).toEqual(['spaced', 'args']);
    expect(splitCommand(`a''b "" c`).words).toEqual(['ab', '', 'c']);
  });

  it('reads leading NAME=value words as environment, like a shell', () => {
    expect(splitCommand('NODE_ENV=development PORT=4000 node server.js')).toEqual({
      env: { NODE_ENV: 'development', PORT: '4000' },
      words: ['node', 'server.js'],
    });
    expect(splitCommand('node --title=x a.js').env).toEqual({});
  });

  it('points out unquoted shell syntax, and not quoted or single-quoted text', () => {
    expect(splitCommand('npm run build && node a.js').shellSyntax).toBe('&&');
    expect(splitCommand('node a.js | tee log').shellSyntax).toBe('|');
    expect(splitCommand('node a.js > out.log').shellSyntax).toBe('>');
    expect(splitCommand('node a.js --port $PORT').shellSyntax).toBe('$');
    expect(splitCommand('node a.js "$HOME"').shellSyntax).toBe('$');
    expect(splitCommand(`sh -c "a && b"`).shellSyntax).toBeUndefined();
    expect(splitCommand(`node -e 'a || $b'`).shellSyntax).toBeUndefined();
  });

  it('throws on an unterminated quote', () => {
    expect(() => splitCommand(`node "a.js`)).toThrow(/unterminated double quote/);
    expect(() => splitCommand(`node 'a.js`)).toThrow(/unterminated single quote/);
  });
});

describe('detectTargetType', () => {
  it('reads module.js:export as a function and anything else as a command', () => {
    expect(detectTargetType('./app.js:main')).toBe('function');
    expect(detectTargetType('src/tasks.mjs:build')).toBe('function');
    expect(detectTargetType('app.ts:$start')).toBe('function');
    expect(detectTargetType('node server.js')).toBe('command');
    expect(detectTargetType('./app.js')).toBe('command');
    expect(detectTargetType('http://x:80')).toBe('command');
    expect(detectTargetType('app.py:main')).toBe('command');
  });
});
