/**
 * Loads the native addon through the napi-generated loader (../index.js), once. When no binary fits this
 * platform the reason is kept, so the caller can fall back to polling and say why in one line.
 */
import { createRequire } from 'node:module';

export interface NativeChange {
  change: number;
  path: string;
  pathBytes?: Buffer | null;
  oldPath?: string | null;
  oldPathBytes?: Buffer | null;
  isDir: boolean;
}
export interface NativeErrorInfo {
  code: string;
  message: string;
  path?: string | null;
}
export interface NativeEvent {
  changes: NativeChange[];
  rescan: boolean;
  error?: NativeErrorInfo | null;
}
export interface NativeWatcherHandle {
  readonly backend: string;
  readonly pollReason: string;
  readonly watchCount: number;
  close(): Promise<void>;
}
export interface NativeBinding {
  NativeWatcher: {
    start(
      roots: string[],
      options: Record<string, unknown>,
      onEvent: (err: Error | null, event: NativeEvent) => void,
    ): Promise<NativeWatcherHandle>;
  };
  defaultIgnoreDirs(): string[];
  defaultIgnoreEntries(): string[];
}

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
