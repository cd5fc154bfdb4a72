#!/usr/bin/env node
/**
 * Entry point of the `watchfiles` command (bin in package.json -> dist/cli.js). Everything happens in main.ts;
 * exiting explicitly makes sure no stray handle keeps a stopped runner alive.
 */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`watchfiles: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
