/** Entry of dist/socket-handoff.cjs, preloaded into a runner's Node children by NODE_OPTIONS (see socket-handoff.ts). */
import { installSocketHandoff } from './socket-handoff.js';

installSocketHandoff();
