// A tiny dev server for the `watchfiles` examples: node:http only, port from $PORT (default 3000),
// bound to 127.0.0.1. It answers every request with the text exported by ./message.mjs.
import http from 'node:http';
import { message } from './message.mjs';

const port = Number(process.env.PORT ?? 3000);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${message}\n`);
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
