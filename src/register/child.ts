/**
 * The child-side entry of the register hook (dist/register-child.js / .cjs): the supervisor starts the
 * server with `--import` (or `--require`) of this file, which reports the module graph over IPC.
 */
import { installLiveReloadInjection } from '../livereload/inject.js';
import { installSocketHandoff } from '../run/socket-handoff.js';
import { installModuleReporter } from './module-reporter.js';
import { markerState } from './protocol.js';

if (markerState() === 'child') {
  installSocketHandoff();
  installLiveReloadInjection();
  installModuleReporter();
}
