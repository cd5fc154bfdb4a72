/**
 * The "Soak" section of bench/RESULTS.md, rendered from bench/soak.json (every labelled run kept there).
 */
import { writeSection } from '../section.mjs';

const HEADING = '## Soak: churn on a watched tree (bench/soak.mjs)';
const n = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : '–');
const mb = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(1)} MB` : '–');

function consumerRow(name, c) {
  if (c.failed) return [name, `failed: ${(c.errors?.examples ?? []).join('; ')}`, '', '', '', '', '', '', '', ''];
  const anomalies = Object.entries(c.anomalies ?? {}).map(([k, v]) => `${v} ${k}`).join(', ') || '0';
  const quiet = typeof c.quietMs === 'number' ? `${(c.quietMs / 1000).toFixed(1)} s` : String(c.quietMs);
  return [
    name,
    `${n(c.missingFiles)} / ${n(c.missingDirs)}`,
    `${n(c.extraFiles)} / ${n(c.extraDirs)}`,
    anomalies,
    `${n(c.rescanBatches)} / ${n(c.errors?.count)}${c.ended ? ' (ended)' : ''}`,
    `${n(c.batches)} / ${n(c.changes)}`,
    `${mb(c.rssStartMb)} / ${mb(c.rssEndMb)} / ${mb(c.rssMaxMb)}`,
    `${c.cpuPctDuringChurn.toFixed(1)}% (${c.cpuS.toFixed(1)} s)`,
    quiet,
  ];
}

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)];
}

function runSection(run) {
  const r = run.results;
  const w = r.writer;
  const kinds = Object.entries(w.byKind).map(([k, v]) => `${k} ${n(v)}`).join(', ');
  const out = [
    `### ${run.label}: code at ${run.commit} (${run.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `\`${run.command}\`: ${n(r.start.files)} files in ${n(r.start.dirs)} directories at the start, ` +
      `${n(r.end.files)} files in ${n(r.end.dirs)} directories at the end; the writer did ${n(w.ops)} operations in ` +
      `${w.seconds.toFixed(0)} s (${w.opsPerSecond.toFixed(0)}/s, seed ${r.options.seed}; ${kinds}; ` +
      `${n(w.scheduledRenames)} renames of a directory made and filled a few ms earlier). ` +
      `The watch() loop takes ${r.options.watchDelayMs} ms per batch; watcher options: ` +
      `${Object.keys(r.options.watcherOptions ?? {}).length ? Object.entries(r.options.watcherOptions).map(([k, v]) => `${k} ${v}`).join(', ') : 'defaults'}. Writer's own picture agrees with the disk: ` +
      `${w.writerAgreesWithDisk ? 'yes' : '**no** (harness bug)'}${w.errors ? `; writer errors: ${w.errors}` : ''}.`,
    '',
    ...table(
      ['consumer', 'missing files / dirs', 'extra files / dirs', 'anomalies', 'rescan batches / errors', 'batches / changes', 'RSS start / end / max', 'CPU during churn', 'caught up in'],
      Object.entries(r.consumers).map(([name, c]) => consumerRow(name, c)),
    ),
    '',
  ];
  for (const [name, c] of Object.entries(r.consumers)) {
    const ex = [];
    if (c.examples?.missing?.length) ex.push(`missing ${c.examples.missing.map((p) => `\`${p}\``).join(', ')}`);
    if (c.examples?.extra?.length) ex.push(`extra ${c.examples.extra.map((p) => `\`${p}\``).join(', ')}`);
    for (const [k, list] of Object.entries(c.anomalyExamples ?? {})) ex.push(`${k} ${list.map((p) => `\`${p}\``).join(', ')}`);
    if (c.errors?.examples?.length) ex.push(`errors: ${c.errors.examples.map((e) => `\`${e}\``).join(', ')}`);
    if (c.ended) ex.push(`ended early: ${c.ended}`);
    if (ex.length) out.push(`- ${name}: ${ex.join('; ')}`);
  }
  const heaps = Object.entries(r.consumers).filter(([, c]) => c.memoryAtEnd);
  if (heaps.length) {
    out.push(`- memory at the end: ${heaps.map(([name, c]) => `${name} JS heap ${mb(c.memoryAtEnd.heapUsedMb)} used of ${mb(c.memoryAtEnd.heapTotalMb)} (RSS ${mb(c.rssEndMb)})`).join('; ')}`);
  }
  if (out.at(-1) !== '') out.push('');
  return out;
}

export function renderSoak(soak) {
  return [
    HEADING,
    '',
    'A writer process churns a watched tree (create, modify, delete, rename files across directories and over ' +
      'existing files, mkdir -p of new nested directories with files, renames of directories, often a few ms ' +
      'after they were made and filled, rm -rf), keeping its size roughly flat. Two consumer processes apply ' +
      'every batch to the starting listing: `subscribe()`, and a `watch()` loop that takes 200 ms per batch. ' +
      'After the writer stops and both have seen a sentinel file come and go, each model is compared with the ' +
      'disk. Missing: on disk, not in the model. Extra: in the model, gone from disk. Anomalies: a batch ' +
      'that cannot be true of the model (an added path whose parent directory is unknown, a modified or ' +
      'deleted unknown path, a deleted directory with entries still below it). RSS from /proc/<pid>/status ' +
      '(VmRSS) every few seconds; CPU from /proc/<pid>/stat, as % of one core over the churn.',
    '',
    ...soak.runs.flatMap(runSection),
  ];
}

/** Writes the Soak section of bench/RESULTS.md (its own marked block; the rest is left alone). */
export function writeSoakSection(soak) {
  return writeSection('soak', renderSoak(soak).join('\n'));
}
