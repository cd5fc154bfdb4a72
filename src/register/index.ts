/**
 * watchfiles-node/register: `node --import watchfiles-node/register server.js` (or `--require` for
 * CommonJS) restarts server.js when a file it loaded changes. In the process you started this module
 * becomes the supervisor and the server runs in a child; in that child (marked by the environment) it
 * only reports the module graph. See docs/cli.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockMainModule } from './block-main.js';
import { installLiveReloadInjection } from '../livereload/inject.js';
import { installSocketHandoff } from '../run/socket-handoff.js';
import { claimHandoff, passOn, wrapperName } from './handoff.js';
import { installModuleReporter } from './module-reporter.js';
import { markerState } from './protocol.js';
import { startRegisterSupervisor } from './register-supervisor.js';

const selfFile = fileURLToPath(import.meta.url);
// The CommonJS build is dist/register.cjs (loaded by --require), the ES build dist/register.js (--import).
const loadedAs = selfFile.endsWith('.cjs') ? 'commonjs' : 'module';
const childFile = path.join(path.dirname(selfFile), `register-child${loadedAs === 'commonjs' ? '.cjs' : '.js'}`);

const state = markerState();
if (state === 'child') {
  // Loaded again in the child (NODE_OPTIONS carries the flag): report, never supervise.
  installSocketHandoff();
  installLiveReloadInjection();
  installModuleReporter();
} else if (state === 'none') {
  if (process.argv[1] === undefined || process.argv[1] === '') {
    process.stderr.write('[watchfiles] watchfiles-node/register: no script to run (REPL or --eval): not watching\n');
  } else if (process.env.NODE_UNIQUE_ID === undefined) {
    // (A cluster worker is managed by its primary: restarting it is the primary's job.)
    const wrapper = wrapperName(process.argv[1], process.execArgv, selfFile, process.cwd());
    if (wrapper) {
      // npm, pnpm, yarn... reached through NODE_OPTIONS: run as usual, the script they start supervises.
      passOn(wrapper, (text) => process.stderr.write(`[watchfiles] ${text}\n`));
    } else {
      blockMainModule(loadedAs);
      startRegisterSupervisor({ selfFile, childFile, handedOn: claimHandoff(process.argv[1]) });
    }
  }
}
// 'descendant': a process the supervised server started (a worker); its parent owns it.
