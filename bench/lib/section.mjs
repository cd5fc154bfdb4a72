/**
 * Writes one section of bench/RESULTS.md that a standalone bench script owns, between
 * `<!-- name -->` and `<!-- /name -->` markers: a rerun replaces its own section and leaves the rest
 * (the main bench's tables and other scripts' sections) as they are. A new section goes at the end.
 * `npm run bench` rewrites the file from its own results, and puts these sections back (readSections).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'RESULTS.md');

export function writeSection(name, markdown, file = RESULTS) {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + close.length)
      : `${text.replace(/\s*$/, '')}\n\n${block}\n`;
  fs.writeFileSync(file, next);
  return file;
}

/** Every `<!-- name -->` ... `<!-- /name -->` section of `file`, in order, as [name, markdown]. */
export function readSections(file = RESULTS) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const out = [];
  for (const m of text.matchAll(/<!-- ([\w-]+) -->\n([\s\S]*?)\n<!-- \/\1 -->/g)) out.push([m[1], m[2]]);
  return out;
}
