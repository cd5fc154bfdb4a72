// A tiny dev server for the `watchfiles` examples: node:http only, port from $PORT (default 3000),
// bound to 127.0.0.1. It answers every request with the text exported by ./message.mjs.
import http from 'node:http';
import { message } from './message.mjs';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number from 0 to 65535, got "${process.env.PORT}"`);
  process.exit(1);
}
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${message}\n`);
});

// A port another process holds is a one-line message, not a stack trace: the usual cause is a server
// started by hand and still running, and the fix is to stop it or pick another port.
server.on('error', (err) => {
  if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
  const why = err.code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user';
  console.error(`port ${port} on 127.0.0.1 ${why}; stop what holds it, or choose another port with PORT, e.g. PORT=3001 npm run dev`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const changes = JSON.parse(process.env.WATCHFILES_CHANGES ?? '[]');
  const why = changes.length ? ` (after ${changes.map(([kind, file]) => `${kind} ${file}`).join(', ')})` : '';
  console.log(`listening on http://127.0.0.1:${server.address().port}${why}`);
});

// Stop accepting connections on the runner's stop signal and exit once the open ones are done.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
