// Types for `import` (index.mjs): watchfiles-node/chokidar's ESM declarations, named exports and default.
export * from 'watchfiles-node/chokidar';
export { default } from 'watchfiles-node/chokidar';
