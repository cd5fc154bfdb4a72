/** Entry of dist/livereload-inject.cjs, preloaded into a runner's Node children with --livereload (see inject.ts). */
import { installLiveReloadInjection } from './inject.js';

installLiveReloadInjection();
