/**
 * `rs` + Enter on a terminal restarts the child now (nodemon's convention). Only a TTY is read: a piped
 * stdin belongs to the child.
 */
export function listenForRestartCommand(onRestart: () => void, stdin: NodeJS.ReadStream = process.stdin): () => void {
  if (!stdin.isTTY) return () => {};
  let buffer = '';
  const onData = (chunk: Buffer | string) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line === 'rs') onRestart();
    }
  };
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    // A paused TTY no longer keeps the event loop alive.
    stdin.pause();
  };
}
