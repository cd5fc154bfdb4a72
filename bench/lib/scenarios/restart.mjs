/**
 * The runners' scenario (edit to new HTTP response through our CLI, our register hook, node --watch and
 * nodemon) lives in bench/restart.mjs, written separately. We run it as a child (so its servers and their
 * process groups stay out of this process), pass on --quick, and read the JSON it prints: either the whole
 * of stdout or its last line that parses. Its table is rendered from `markdown` if it gives one, else from
 * its rows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESTART_SCRIPT = fileURLToPath(new URL('../../restart.mjs', import.meta.url));

export function restartAvailable() {
  return fs.existsSync(RESTART_SCRIPT);
}

export const DOWNTIME_SCRIPT = fileURLToPath(new URL('../../downtime.mjs', import.meta.url));

export function runRestart(ctx) {
  return runScript(RESTART_SCRIPT, 'restart', ctx);
}

export const LIVERELOAD_SCRIPT = fileURLToPath(new URL('../../livereload.mjs', import.meta.url));

/** bench/livereload.mjs (CSS hot swap in Chromium, save to applied style), run the same way. */
export function runLiveReload(ctx) {
  return runScript(LIVERELOAD_SCRIPT, 'livereload', ctx);
}

/** bench/downtime.mjs (failed requests during restarts, restarts per burst), run the same way. */
export function runDowntime(ctx) {
  return runScript(DOWNTIME_SCRIPT, 'downtime', ctx);
}

function runScript(script, name, { config, log }) {
  const args = [script, '--json', ...(config.quick ? ['--quick'] : [])];
  log(`${name}: node ${args.map((a) => a.replace(/^.*\/bench\//, 'bench/')).join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      for (const line of String(d).split('\n')) if (line.trim()) log(`  ${name}: ${line}`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), config.restartTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const parsed = parseJson(stdout);
      if (parsed !== undefined) return resolve(parsed);
      const why = signal ? `killed by ${signal} (timeout ${config.restartTimeoutMs} ms)` : `exited ${code}`;
      resolve({ error: `bench/${name}.mjs ${why} without JSON on stdout: ${(stderr || stdout).trim().slice(-300)}` });
    });
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    for (const line of text.trim().split('\n').reverse()) {
      try {
        return JSON.parse(line);
      } catch {
        // not this line
      }
    }
  }
  return undefined;
}
