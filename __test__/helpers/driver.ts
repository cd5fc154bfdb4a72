/**
 * A child process that reports JSON lines on stdout (the webpack and Vite drivers in
 * __test__/fixtures/dropins/), with bounded waits on what it said. Closing stdin asks it to stop;
 * stop() then waits for its exit and kills it after a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './fs.js';

export interface DriverEvent {
  event: string;
  [key: string]: unknown;
}

export interface Driver {
  child: ChildProcess;
  events: DriverEvent[];
  stderr(): string;
  /** The first event (after `from`, an index into events) that `match` accepts. */
  next(match: (e: DriverEvent) => boolean, what: string, from?: number, timeoutMs?: number): Promise<DriverEvent>;
  stop(): Promise<void>;
  /** Exit code once exited (after stop()). */
  exitCode(): number | null;
}

export function startDriver(script: string, args: string[], env: Record<string, string> = {}): Driver {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const events: DriverEvent[] = [];
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      try {
        events.push(JSON.parse(line) as DriverEvent);
      } catch {
        err += `(stdout) ${line}\n`;
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  let exited = false;
  let code: number | null = null;
  const exit = new Promise<void>((resolve) => child.on('exit', (c) => ((exited = true), (code = c), resolve())));
  const driver: Driver = {
    child,
    events,
    stderr: () => err,
    exitCode: () => code,
    next(match, what, from = 0, timeoutMs = 20_000) {
      return waitFor(
        () => {
          const fatal = events.find((e) => e.event === 'fatal');
          if (fatal) throw new Error(`driver failed: ${String(fatal.message)}`);
          if (exited) throw new Error(`driver exited while waiting for ${what}; stderr:\n${err}`);
          return events.slice(from).find(match);
        },
        `${what} (stderr so far: ${err.slice(-2000)})`,
        timeoutMs,
      );
    },
    async stop() {
      if (exited) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
  return driver;
}
