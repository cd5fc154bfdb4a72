/** @parcel/watcher on its watchman backend (the server found through WATCHMAN_SOCK). */
import { start as startParcel } from './parcel.mjs';

export const start = (root, onEvents) => startParcel(root, onEvents, 'watchman');
