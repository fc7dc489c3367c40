// The behaviour of the cadre's service worker; /kader-sw.js (rendered by
// the server for each build) calls serve with the build's version and the
// hashed URLs of the app shell.
//
// - The app shell (scripts, styles, icons, manifest) is kept at install
//   and served from the cache first.
// - The page /kader is fetched from the network first; the last answer
//   rendered for the signed-in cadre (marked by the shell header) is kept,
//   with the targets and reports it lists, and served when the network is
//   gone.
// - Background Sync ('bts-outbox') sends the outbox (bts-outbox.js) when
//   the browser has a connection again, even with the page closed.
import {flush} from './bts-outbox.js';

// SLOW_MS is how long the page waits for the network before the kept copy.
const SLOW_MS = 4000;

export function serve(version, scope, shell, shellHeader) {
  const CACHE = 'kader-' + version;
  const matchPage = () => caches.open(CACHE).then((c) => c.match(scope, {ignoreSearch: true, ignoreVary: true}));

  // keepPage stores res as the offline page when it is the signed-in page.
  async function keepPage(res) {
    if (res.ok && res.headers.get(shellHeader)) await (await caches.open(CACHE)).put(scope, res.clone());
    return res;
  }

  self.addEventListener('install', (ev) => {
    ev.waitUntil((async () => {
      const c = await caches.open(CACHE);
      await c.addAll(shell);
      // The page as it stands now, so the first visit already works offline.
      try { await keepPage(await fetch(scope, {credentials: 'same-origin'})); } catch (err) { /* offline */ }
      // A page kept by the previous build refers to that build's assets:
      // carry it over only when the network gave none.
      if (!(await c.match(scope, {ignoreVary: true}))) {
        for (const name of await caches.keys()) {
          const old = name !== CACHE && name.startsWith('kader-') && await (await caches.open(name)).match(scope, {ignoreVary: true});
          if (old) { await c.put(scope, old); break; }
        }
      }
      await self.skipWaiting();
    })());
  });

  self.addEventListener('activate', (ev) => {
    ev.waitUntil((async () => {
      for (const name of await caches.keys()) if (name.startsWith('kader-') && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })());
  });

  self.addEventListener('fetch', (ev) => {
    const req = ev.request;
    if (req.method !== 'GET') return;
    const url = new URL(req.url);
    if (url.origin !== location.origin) return;
    if (url.pathname === scope) {
      ev.respondWith(page(ev));
      return;
    }
    if (url.pathname.startsWith('/static/') || url.pathname.startsWith(scope + '/')) {
      ev.respondWith(fromShell(req, url));
    }
  });

  // page answers /kader from the network, keeping the answer. A visit
  // (navigation) with no network, or one too slow (a signal that comes and
  // goes), gets the page kept, while the network's answer still updates it
  // for next time; the page's own refresh (refreshList) gets only the
  // network's answer, so that it never takes the kept copy for a new one.
  async function page(ev) {
    const net = fetch(ev.request).then(keepPage);
    if (ev.request.mode !== 'navigate') return net;
    ev.waitUntil(net.catch(() => {}));
    const kept = await matchPage();
    if (!kept) {
      return net.catch(() => new Response('Tidak ada sambungan. Buka halaman ini sekali saat ada sinyal.\n' +
        'No connection. Open this page once while online.', {status: 503, headers: {'Content-Type': 'text/plain; charset=utf-8'}}));
    }
    const slow = new Promise((resolve) => setTimeout(() => resolve(kept), SLOW_MS));
    try {
      return await Promise.race([net, slow]);
    } catch (err) {
      return kept;
    }
  }

  // fromShell answers from the cache, else the network; a static file of
  // another build (a page kept before an update) is answered with this
  // build's file of the same name, as the server itself would.
  async function fromShell(req, url) {
    const c = await caches.open(CACHE);
    const hit = await c.match(req, {ignoreVary: true});
    if (hit) return hit;
    try {
      return await fetch(req);
    } catch (err) {
      const m = url.pathname.match(/^\/static\/[^/]+\/(.+)$/);
      const same = m && await c.match('/static/' + version + '/' + m[1], {ignoreVary: true});
      if (same) return same;
      throw err;
    }
  }

  self.addEventListener('sync', (ev) => {
    if (ev.tag !== 'bts-outbox') return;
    ev.waitUntil(flush().then(async (r) => {
      for (const cl of await self.clients.matchAll({type: 'window'})) cl.postMessage({outbox: r});
      // A failed network keeps the sync registered: the browser tries again.
      if (r.offline) throw new Error('offline');
    }));
  });
}
