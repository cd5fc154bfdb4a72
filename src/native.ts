/**
 * Loads the native addon through the napi-generated loader (../index.js), once. When no binary fits this
 * platform the reason is kept, so the caller can fall back to polling and say why in one line.
 */
import { createRequire } from 'node:module';

import type * as Generated from '../index.js';

// The binding's types are the ones napi generates from crates/node (index.d.ts): never re-typed here.
export type NativeChange = Generated.NativeChange;
export type NativeErrorInfo = Generated.NativeError;
export type NativeEvent = Generated.NativeEvent;
export type NativeOptions = Generated.NativeOptions;
export type NativeWatcherHandle = Generated.NativeWatcher;
export type NativeBinding = typeof Generated;

let loaded: { binding?: NativeBinding; reason?: string } | undefined;

/** The addon, or undefined with `nativeLoadError()` telling why. */
export function loadNative(): NativeBinding | undefined {
  if (!loaded) loaded = tryLoad();
  return loaded.binding;
}

export function nativeLoadError(): string | undefined {
  loadNative();
  return loaded?.reason;
}

function tryLoad(): { binding?: NativeBinding; reason?: string } {
  if (/^(1|true|yes)$/i.test(process.env.WATCHFILES_NO_NATIVE ?? '')) {
    return { reason: 'WATCHFILES_NO_NATIVE is set' };
  }
  try {
    const require = createRequire(import.meta.url);
    return { binding: require('../index.cjs') as NativeBinding };
  } catch (error) {
    const first = String((error as Error)?.message ?? error).split('\n')[0];
    return {
      reason:
        `no native binary for ${process.platform}-${process.arch} could be loaded (${first}); ` +
        `reinstall with optional dependencies enabled (npm install --include=optional watchfiles-node) ` +
        `or build it from source with \`npm run build:native\``,
    };
  }
}
