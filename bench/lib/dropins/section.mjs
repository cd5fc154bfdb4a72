/**
 * bench/RESULTS.md is rendered by bench/run.mjs, but its drop-ins section comes from bench/dropins.mjs,
 * a separate run: the section lives between markers, and each writer keeps what the other wrote.
 */
import fs from 'node:fs';

const SECTION = /<!-- dropins:start[\s\S]*?<!-- dropins:end -->/;

/** `rendered` with the drop-ins section of the file's current text appended (when it has one). */
export function withDropinsSection(file, rendered) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const section = SECTION.exec(old)?.[0];
  return section && !SECTION.test(rendered) ? `${rendered.trimEnd()}\n\n${section}\n` : rendered;
}

/** Replaces (or appends) the drop-ins section of the file, leaving the rest alone. */
export function writeDropinsSection(file, section) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const next = SECTION.test(old) ? old.replace(SECTION, section) : `${old.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
