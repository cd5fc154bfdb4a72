/**
 * Sections of RESULTS.md owned by a bench script of its own (bench/watchman.mjs): marked
 * `<!-- section:<id> -->` ... `<!-- /section:<id> -->`, replaced in place by their script, and carried over
 * when run.mjs writes the rest of the file again.
 */
import fs from 'node:fs';

const SECTION = /<!-- section:([\w-]+) -->[\s\S]*?<!-- \/section:\1 -->\n?/g;

/** Writes (or replaces) section `id` of the markdown file at `file`. */
export function writeSection(file, id, markdown) {
  const block = `<!-- section:${id} -->\n${markdown.trim()}\n<!-- /section:${id} -->\n`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const re = new RegExp(`<!-- section:${id} -->[\\s\\S]*?<!-- /section:${id} -->\\n?`);
  fs.writeFileSync(file, re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}`);
}

/** `fresh` with the sections of the file at `file` (as it is now) appended: a rewrite keeps them. */
export function keepSections(file, fresh) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const sections = old.match(SECTION) ?? [];
  return sections.length ? `${fresh.trimEnd()}\n\n${sections.join('\n')}` : fresh;
}
