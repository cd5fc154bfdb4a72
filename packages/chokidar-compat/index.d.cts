// Types for `require` (index.cjs): the CommonJS declarations, whose `default` matches the __esModule shape.
export * from 'watchfiles-node/chokidar';
export { default } from 'watchfiles-node/chokidar';
