/**
 * Loads the native addon through the napi-generated loader (../index.js), once. When no binary fits this
 * platform the reason is kept, so the caller can fall back to polling and say why in one line.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import type * as Generated from '../../index.js';

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
  // A binary chosen by path (the cross-platform and notify-backend test runs). Not NAPI_RS_NATIVE_LIBRARY_PATH:
  // every napi-rs loader in the process honours that one, so vitest's own native deps would load ours.
  const chosen = process.env.WATCHFILES_NATIVE_LIBRARY_PATH;
  try {
    const require = createRequire(import.meta.url);
    return { binding: require(chosen || generatedLoader()) as NativeBinding };
  } catch (error) {
    return { reason: explainLoadFailure(error, chosen) };
  }
}

/**
 * napi's generated loader sits at the package root: one level above the bundle in dist/, two above this file
 * when it runs from source (the tests).
 */
function generatedLoader(): string {
  const fromBundle = fileURLToPath(new URL('../index.cjs', import.meta.url));
  return existsSync(fromBundle) ? fromBundle : fileURLToPath(new URL('../../index.cjs', import.meta.url));
}

/** The platform package napi's release layout publishes for this machine, or undefined where none exists. */
export function platformPackage(): string | undefined {
  const { platform, arch } = process;
  if (arch !== 'x64' && arch !== 'arm64') return undefined;
  if (platform === 'darwin') return `watchfiles-node-darwin-${arch}`;
  if (platform === 'win32') return `watchfiles-node-win32-${arch}-msvc`;
  if (platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return `watchfiles-node-linux-${arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/** One line: why no binary loaded and the fix for that case (missing package, no prebuilt, or a bad binary). */
function explainLoadFailure(error: unknown, chosen?: string): string {
  const messages: string[] = [];
  for (let e = error as { message?: unknown; cause?: unknown } | undefined; e && messages.length < 20; ) {
    messages.push(String(e.message ?? e));
    e = e.cause as typeof e;
  }
  const here = `${process.platform}-${process.arch}`;
  if (chosen) {
    return `the native binary in WATCHFILES_NATIVE_LIBRARY_PATH (${chosen}) could not be loaded: ${messages[0]?.split('\n')[0]}`;
  }
  const pkg = platformPackage();
  if (!pkg) {
    return (
      `no native binary for ${here} could be loaded: no prebuilt binary is made for this platform; ` +
      `build it from source in a checkout (Rust toolchain, then \`npm run build:native\`)`
    );
  }
  const notInstalled = messages.some((m) => m.includes(`Cannot find module '${pkg}'`));
  const underlying = messages.find((m) => !/^Cannot find native binding/.test(m)) ?? messages[0] ?? '';
  if (notInstalled) {
    return (
      `no native binary for ${here} could be loaded: the platform package ${pkg} is not installed ` +
      `(npm leaves it out under --omit=optional, when it cannot fetch it, or when watchfiles-node came from ` +
      `a tarball without optionalDependencies); install it next to watchfiles-node: \`npm install ${pkg}\`, ` +
      `or its tarball from \`npm run pack:all\` in a checkout`
    );
  }
  return (
    `no native binary for ${here} could be loaded (${underlying.split('\n')[0]}); ` +
    `reinstall with optional dependencies enabled (npm install --include=optional watchfiles-node) ` +
    `or build it from source with \`npm run build:native\``
  );
}
