/**
 * Colour for terminal messages, honouring NO_COLOR (https://no-color.org) and FORCE_COLOR: FORCE_COLOR
 * set to anything but 0/false wins, then NO_COLOR set to anything non-empty, then "is it a terminal".
 */
export interface Colors {
  enabled: boolean;
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

export function colorEnabled(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function makeColors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
    cyan: wrap(36, 39),
  };
}
