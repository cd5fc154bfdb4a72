/**
 * The browser side, served as /livereload.js: a small LiveReload protocol 7 client. It connects back
 * to the server it was loaded from, says hello, and on `reload`: swaps a changed stylesheet in place
 * (liveCSS: a new <link> with a cache-busting query, the old one removed once the new one has loaded, so
 * nothing flashes and the page keeps its state), swaps a changed image likewise (liveImg), and otherwise
 * reloads the page, once the page's own URL answers again (after a server restart). `alert` shows the
 * message. Reconnects when the connection drops.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  if (window.__watchfilesLiveReload) return;
  var state = (window.__watchfilesLiveReload = { connected: false });
  var me = document.currentScript && document.currentScript.src ? new URL(document.currentScript.src) : new URL('http://127.0.0.1:35729/livereload.js');
  var wsUrl = (me.protocol === 'https:' ? 'wss://' : 'ws://') + me.host + '/livereload';
  var IMAGE = /\.(png|jpe?g|gif|svg|webp|avif|ico)$/i;
  function bust(url) {
    var u = new URL(url, location.href);
    u.searchParams.set('livereload', String(Date.now()));
    return u.href;
  }
  function matches(url, path) {
    var p = new URL(url, location.href).pathname;
    var name = path.split('/').pop();
    return p === '/' + path || p.slice(-(path.length + 1)) === '/' + path || p.split('/').pop() === name;
  }
  function swapCss(path) {
    var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"][href]'));
    var hit = links.filter(function (l) { return matches(l.href, path); });
    if (!hit.length) return false;
    hit.forEach(function (old) {
      var next = old.cloneNode();
      next.href = bust(old.href);
      next.addEventListener('load', function () { old.remove(); });
      next.addEventListener('error', function () { old.remove(); });
      old.after(next);
    });
    return true;
  }
  function swapImages(path) {
    var imgs = Array.prototype.slice.call(document.images).filter(function (i) { return i.src && matches(i.src, path); });
    imgs.forEach(function (i) { i.src = bust(i.src); });
    return imgs.length > 0;
  }
  var reloading = false;
  function reloadWhenUp() {
    if (reloading) return;
    reloading = true;
    var tries = 0;
    (function probe() {
      fetch(location.href, { cache: 'no-store' }).then(function (r) {
        if (r.ok || tries > 100) location.reload();
        else { tries++; setTimeout(probe, 100); }
      }, function () { tries++; setTimeout(probe, 100); });
    })();
  }
  function onMessage(msg) {
    if (msg.command === 'hello') state.connected = true;
    else if (msg.command === 'reload') {
      var path = String(msg.path || '');
      if (msg.liveCSS !== false && /\.css$/i.test(path) && swapCss(path)) return;
      if (msg.liveImg !== false && IMAGE.test(path) && swapImages(path)) return;
      reloadWhenUp();
    } else if (msg.command === 'alert') {
      console.warn('[livereload] ' + msg.message);
      alert(msg.message);
    }
  }
  function connect(delay) {
    var ws = new WebSocket(wsUrl);
    ws.onopen = function () {
      delay = 250;
      ws.send(JSON.stringify({ command: 'hello', protocols: ['http://livereload.com/protocols/official-7'] }));
      ws.send(JSON.stringify({ command: 'info', plugins: {}, url: location.href }));
    };
    ws.onmessage = function (e) {
      try { onMessage(JSON.parse(e.data)); } catch (err) { console.error('[livereload]', err); }
    };
    ws.onclose = function () { state.connected = false; setTimeout(function () { connect(Math.min(delay * 2, 5000)); }, delay); };
  }
  connect(250);
})();
`;
