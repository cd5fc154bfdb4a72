export * from 'watchfiles-node/chokidar';
export { default } from 'watchfiles-node/chokidar';
