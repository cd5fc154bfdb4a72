/**
 * Browser live reload in a real headless Chromium (Debian's chromium, driven by puppeteer-core; no
 * browser is downloaded): a CSS edit is swapped into the page without a reload or a server restart and
 * text typed into an input survives it; an image likewise; a JS edit restarts the server and reloads the
 * page once. Also: the LiveReload server serves only its script and the protocol, and refuses a
 * WebSocket from another site.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type RunEvent, type RunHandle } from '../src/index.js';
import {
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  get,
  killGroup,
  leftoversIn,
  spawnNode,
  stopSpawned,
  temps,
  tempDir,
  waitFor,
} from './helpers/run-helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((f) => fs.existsSync(f));
let browser: Browser;
const handles: RunHandle[] = [];
const pids: number[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('chromium is not installed: apt-get install chromium (.ci/run does)');
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  await ensureBuilt();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop().catch(() => {});
  for (const pid of pids.splice(0)) killGroup(pid);
  try {
    await stopSpawned();
    expect(await leftoversIn(temps())).toEqual([]);
  } finally {
    cleanupTemps();
  }
});

/** A site: HTML with a stylesheet, an image, an input and a script, each read from disk per request. */
function writeSite(dir: string): void {
  fs.writeFileSync(path.join(dir, 'style.css'), 'body { background-color: rgb(255, 255, 255); }\n');
  fs.writeFileSync(path.join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n');
  fs.writeFileSync(path.join(dir, 'app.js'), "document.title = 'v1';\n");
  fs.writeFileSync(
    path.join(dir, 'server.mjs'),
    `import fs from 'node:fs';
import http from 'node:http';
const types = { '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml' };
const page = '<!doctype html><html><head><link rel="stylesheet" href="/style.css"></head><body><input id="name"><img id="logo" src="/logo.svg"><script src="/app.js"></script></body></html>';
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(page));
    return res.end(page);
  }
  if (url.pathname === '/head') {
    // writeHead with the headers, as many servers do.
    return res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) }).end(page);
  }
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<!doctype html><html><body>');
    return res.end('streamed</body></html>');
  }
  const ext = url.pathname.slice(url.pathname.lastIndexOf('.'));
  try {
    const body = fs.readFileSync(new URL('.' + url.pathname, import.meta.url));
    res.writeHead(200, { 'content-type': types[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
}

async function startSite() {
  const dir = tempDir('wf-lr-');
  writeSite(dir);
  const port = await freePort();
  const lrPort = await freePort();
  const events: RunEvent[] = [];
  const handle = runProcess(dir, 'node server.mjs', {
    cwd: dir,
    env: { PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    restartOnInput: false,
    livereload: { port: lrPort },
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'start' && e.pid !== undefined) pids.push(e.pid);
    },
  });
  handles.push(handle);
  await waitFor('the site', () => get(port, '/'));
  const of = <T extends RunEvent['type']>(type: T) => events.filter((e) => e.type === type) as Extract<RunEvent, { type: T }>[];
  return { dir, port, lrPort, handle, of };
}

describe('livereload in Chromium', () => {
  it('CSS and images are swapped in place (typed text survives, no server restart); a JS edit restarts the server and reloads the page once', async () => {
    const site = await startSite();
    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`http://127.0.0.1:${site.port}/`);
    await page.waitForFunction(() => (window as unknown as { __watchfilesLiveReload?: { connected: boolean } }).__watchfilesLiveReload?.connected, { timeout: 15_000 });
    await page.type('#name', 'typed before the edit');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const startsBefore = site.of('start').length;
    const loadsBefore = loads;

    // CSS: applied in place.
    const t0 = performance.now();
    fs.writeFileSync(path.join(site.dir, 'style.css'), 'body { background-color: rgb(1, 2, 3); }\n');
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)', { timeout: 15_000, polling: 5 });
    const cssMs = performance.now() - t0;
    console.log(`CSS swap, save to applied style: ${cssMs.toFixed(0)} ms`);
    expect(await page.$eval('#name', (el) => (el as HTMLInputElement).value)).toBe('typed before the edit');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(loads).toBe(loadsBefore);
    expect(site.of('assets').map((e) => e.changes.map((c) => path.basename(c.path)))).toEqual([['style.css']]);

    // Image: the <img> is reloaded, the page is not.
    fs.writeFileSync(path.join(site.dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"/>\n');
    await page.waitForFunction(() => (document.getElementById('logo') as HTMLImageElement).src.includes('livereload='), { timeout: 15_000 });
    await page.waitForFunction(() => (document.getElementById('logo') as HTMLImageElement).naturalWidth === 20, { timeout: 15_000 });
    expect(await page.$eval('#name', (el) => (el as HTMLInputElement).value)).toBe('typed before the edit');
    expect(site.of('start').length).toBe(startsBefore); // neither restarted the server

    // JS: the server restarts and the page reloads, once.
    fs.writeFileSync(path.join(site.dir, 'app.js'), "document.title = 'v2';\n");
    await page.waitForFunction(() => document.title === 'v2', { timeout: 15_000 });
    expect(site.of('start').length).toBe(startsBefore + 1);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBeUndefined();
    // One more CSS edit after it: applied in place, and still just the one reload.
    await page.waitForFunction(() => (window as unknown as { __watchfilesLiveReload?: { connected: boolean } }).__watchfilesLiveReload?.connected, { timeout: 15_000 });
    fs.writeFileSync(path.join(site.dir, 'style.css'), 'body { background-color: rgb(4, 5, 6); }\n');
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(4, 5, 6)', { timeout: 15_000 });
    expect(loads).toBe(loadsBefore + 1);
    await page.close();
  });
});

describe('livereload with the register hook', () => {
  it('WATCHFILES_LIVERELOAD: the script is injected and a CSS edit is applied without a reload or a restart', async () => {
    const dir = tempDir('wf-lr-');
    writeSite(dir);
    const [port, lrPort] = [await freePort(), await freePort()];
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], {
      cwd: dir,
      env: { PORT: String(port), WATCHFILES_LIVERELOAD: String(lrPort), WATCHFILES_WATCH: 'style.css' },
    });
    await waitFor('the site', () => get(port, '/'));
    await run.waitForOutput(/live reload at http:\/\/127\.0\.0\.1:\d+\/livereload\.js/);
    expect(await get(port, '/')).toContain(`<script src="http://127.0.0.1:${lrPort}/livereload.js"></script></body>`);
    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as unknown as { __watchfilesLiveReload?: { connected: boolean } }).__watchfilesLiveReload?.connected, { timeout: 15_000 });
    await page.type('#name', 'kept');
    fs.writeFileSync(path.join(dir, 'style.css'), 'body { background-color: rgb(7, 8, 9); }\n');
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(7, 8, 9)', { timeout: 15_000 });
    expect(await page.$eval('#name', (el) => (el as HTMLInputElement).value)).toBe('kept');
    expect(loads).toBe(1);
    expect(run.output()).not.toMatch(/restarting/);
    await run.waitForOutput(/live reload: modified style\.css/);
    await page.close();
  });
});

describe('livereload server', () => {
  it('injects its script into HTML responses and corrects Content-Length; serves only /livereload.js and the protocol', async () => {
    const site = await startSite();
    const fetchHtml = (p: string) =>
      new Promise<{ body: string; length: string | undefined }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: site.port, path: p, agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ body, length: res.headers['content-length'] }));
          })
          .on('error', reject);
      });
    const tag = `<script src="http://127.0.0.1:${site.lrPort}/livereload.js"></script>`;
    for (const p of ['/', '/head']) {
      const html = await fetchHtml(p);
      expect(html.body).toContain(`${tag}</body>`);
      expect(Number(html.length)).toBe(Buffer.byteLength(html.body));
    }
    const streamed = await fetchHtml('/stream');
    expect(streamed.body).toBe(`<!doctype html><html><body>streamed</body></html>${tag}`);
    expect(streamed.length).toBeUndefined();
    expect(await get(site.port, '/app.js')).not.toContain('livereload');

    expect(await get(site.lrPort, '/livereload.js')).toContain('official-7');
    expect(await get(site.lrPort, '/etc/passwd')).toContain('only /livereload.js');
  });

  it('speaks protocol 7 to a local page and refuses a WebSocket whose Origin is another site', async () => {
    const site = await startSite();
    const url = `ws://127.0.0.1:${site.lrPort}/livereload`;
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url, { origin: 'https://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('open', () => resolve('open'));
      ws.on('error', (e) => resolve(String(e)));
    });
    expect(refused).toBe('403');

    const ws = new WebSocket(url, { origin: `http://localhost:${site.port}` });
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ command: 'hello', protocols: ['http://livereload.com/protocols/official-7'] }));
    await waitFor('hello', () => messages.find((m) => m.command === 'hello'));
    expect(messages[0]).toMatchObject({ command: 'hello', protocols: ['http://livereload.com/protocols/official-7'] });
    fs.writeFileSync(path.join(site.dir, 'style.css'), 'body { color: red; }\n');
    const reload = await waitFor('reload', () => messages.find((m) => m.command === 'reload'));
    // The path is relative to the watched root: no file system path leaves the machine.
    expect(reload).toEqual({ command: 'reload', path: 'style.css', liveCSS: true, liveImg: true });
    ws.close();
  });
});
