/** bench/lib/sections.mjs: a bench script's own section of RESULTS.md is replaced in place and survives run.mjs's rewrite. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers/fs.js';

const { keepSections, writeSection } = await import('../bench/lib/sections.mjs');

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
});

describe('RESULTS.md sections', () => {
  it('appends a section, replaces it in place, and keeps it when the rest is rewritten', () => {
    dir = tempDir();
    const file = path.join(dir, 'RESULTS.md');
    fs.writeFileSync(file, '# results\n\nmain tables\n');
    writeSection(file, 'watchman', '## Native vs watchman\n\nrun 1');
    expect(fs.readFileSync(file, 'utf8')).toBe('# results\n\nmain tables\n\n<!-- section:watchman -->\n## Native vs watchman\n\nrun 1\n<!-- /section:watchman -->\n');
    writeSection(file, 'watchman', '## Native vs watchman\n\nrun 2');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('run 2');
    expect(text).not.toContain('run 1');
    expect(text.match(/section:watchman -->/g)).toHaveLength(2);
    const rewritten = keepSections(file, '# results\n\nnew main tables\n');
    expect(rewritten).toContain('new main tables');
    expect(rewritten).toContain('<!-- section:watchman -->\n## Native vs watchman\n\nrun 2\n<!-- /section:watchman -->');
    expect(rewritten).not.toContain('\nmain tables');
  });
});
