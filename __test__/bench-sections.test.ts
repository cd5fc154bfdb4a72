/** bench/lib/section.mjs: a bench script's own section of RESULTS.md is replaced in place and survives run.mjs's rewrite. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers/fs.js';

const { readSections, writeSection } = await import('../bench/lib/section.mjs');

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
});

describe('RESULTS.md sections', () => {
  it('appends a section, replaces it in place, and keeps it when the rest is rewritten', () => {
    dir = tempDir();
    const file = path.join(dir, 'RESULTS.md');
    fs.writeFileSync(file, '# results\n\nmain tables\n');
    writeSection('watchman', '## Native vs watchman\n\nrun 1', file);
    expect(fs.readFileSync(file, 'utf8')).toBe('# results\n\nmain tables\n\n<!-- watchman -->\n## Native vs watchman\n\nrun 1\n<!-- /watchman -->\n');
    writeSection('soak', '## Soak\n\nsoak 1', file);
    writeSection('watchman', '## Native vs watchman\n\nrun 2', file);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('run 2');
    expect(text).not.toContain('run 1');
    expect(text.match(/<!-- \/?watchman -->/g)).toHaveLength(2);
    expect(text.indexOf('<!-- watchman -->')).toBeLessThan(text.indexOf('<!-- soak -->'));
    // What bench/run.mjs does: read the sections, write its own tables, put the sections back.
    const kept = readSections(file);
    fs.writeFileSync(file, '# results\n\nnew main tables\n');
    for (const [name, markdown] of kept) writeSection(name, markdown, file);
    const rewritten = fs.readFileSync(file, 'utf8');
    expect(rewritten).toContain('new main tables');
    expect(rewritten).not.toContain('\nmain tables');
    expect(rewritten).toContain('<!-- watchman -->\n## Native vs watchman\n\nrun 2\n<!-- /watchman -->');
    expect(rewritten).toContain('<!-- soak -->\n## Soak\n\nsoak 1\n<!-- /soak -->');
  });
});
