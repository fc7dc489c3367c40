// The cadre's phone page (/kader): the day's delivery report with its
// photo, made to work without signal. A report goes first to the outbox
// on the phone (bts-outbox.js, with its photo shrunk by bts-photo.js and a
// client_id made here), then to the server at once when there is a
// connection, else when one comes back: on the online event, on the next
// open, or by Background Sync through the service worker (bts-sw.js),
// which also keeps the page and its list of targets for offline use.
import {t, $, h, api, setCSRF} from './common.js';
import {pageSession} from './staff.js';
import * as outbox from './bts-outbox.js';
import {prepare} from './bts-photo.js';

// forget removes what the phone keeps of the signed-in cadre's page (the
// outbox stays: it is sent once that cadre signs in again).
async function forget() {
  try {
    for (const name of await caches.keys()) if (name.startsWith('kader-')) await caches.delete(name);
    await outbox.setMeta('csrf', null);
  } catch (err) { /* nothing kept */ }
}

pageSession(forget);

// newClientID returns 32 random hex digits (crypto.getRandomValues works
// on plain http too, unlike crypto.randomUUID).
function newClientID() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// rupiah writes an amount as the page does: 15000 -> 15.000.
const rupiah = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');

const form = $('lapor');
if (form) start();

function start() {
  const bar = $('netbar');
  const user = bar.dataset.user, facility = form.dataset.facility;
  const say = (text, cls) => { $('status').textContent = text; $('status').className = cls || ''; };

  // The newest of the CSRF token the page came with and the one a later
  // sign-in gave (a page served from the cache may be older than that).
  const rendered = Date.parse(bar.dataset.synced) || 0;
  const ready = (async () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    const kept = await outbox.getMeta('csrf');
    if (kept && kept.at > rendered) setCSRF(kept.token);
    else await outbox.setMeta('csrf', {token: meta ? meta.content : '', at: rendered});
    await outbox.setMeta('user', user);
    if ((await outbox.getMeta('synced') || 0) < rendered) await outbox.setMeta('synced', rendered);
  })();

  function items() {
    const out = [];
    for (const q of form.querySelectorAll('input.qty')) {
      const qty = Number(q.value);
      if (!qty) continue;
      const price = Number($('price-' + q.dataset.kind).value) || 0;
      out.push({kind: q.dataset.kind, qty, price_rp: Math.round(price)});
    }
    return out;
  }

  // sent puts a stored report on top of the recent ones.
  function sent(d) {
    const empty = $('recent').querySelector('.note');
    if (empty) empty.remove();
    $('recent').prepend(h('li', {}, d.date + ' · ' + t('bts.eat.' + d.consumption) + ' · Rp ' + rupiah(d.total_rp) + ' · ',
      h('span', {class: 'status-' + d.status}, t('bts.status.' + d.status)), d.late ? ' · ' + t('bts.late') : ''));
  }

  // when writes a sync time: the hour today, else the date too.
  function when(ms) {
    const d = new Date(ms), loc = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
    const hm = d.toLocaleTimeString(loc, {hour: '2-digit', minute: '2-digit'});
    return d.toDateString() === new Date().toDateString() ? hm : d.toLocaleDateString(loc, {day: 'numeric', month: 'short'}) + ' ' + hm;
  }

  // render shows the status bar and the cadre's items in the outbox.
  async function render() {
    const mine = (await outbox.list()).filter((it) => it.user === user);
    const synced = await outbox.getMeta('synced');
    bar.dataset.online = navigator.onLine ? 'yes' : 'no';
    $('net').textContent = t(navigator.onLine ? 'bts.k.net.online' : 'bts.k.net.offline');
    $('waiting').textContent = t('bts.k.waiting', {n: mine.filter((it) => it.state === 'waiting').length});
    $('synced').textContent = synced ? t('bts.k.synced', {time: when(synced)}) : t('bts.k.synced.never');
    $('outbox-card').hidden = !mine.length;
    $('outbox').replaceChildren(...mine.map((it) => h('li', {id: 'out-' + it.client_id, class: 'out', 'data-state': it.state},
      h('span', {class: 'label'}, it.label), ' · ',
      it.state === 'refused'
        ? h('span', {class: 'reason error'}, t('bts.k.item.refused', {reason: it.error.message || it.error.code}))
        : h('span', {class: 'wait'}, t('bts.k.item.waiting')),
      it.state === 'refused' ? h('span', {class: 'actions'},
        h('button', {type: 'button', class: 'retry small', onclick: async () => { await outbox.retry(it.seq); sync(); }}, t('bts.k.retry')),
        h('button', {type: 'button', class: 'drop small', onclick: async () => {
          if (confirm(t('bts.k.drop.confirm'))) { await outbox.drop(it.seq); render(); }
        }}, t('bts.k.drop'))) : null)));
  }

  // refreshList fetches the page again, so that the copy the service
  // worker keeps for offline use lists the latest targets and reports.
  async function refreshList() {
    try {
      const res = await fetch('/kader', {credentials: 'same-origin'});
      if (res.ok && res.headers.get('X-Offline-Shell')) await outbox.setMeta('synced', Date.now());
    } catch (err) { /* offline: the kept copy stays */ }
  }

  // after shows what a send of the outbox (here or by the service worker) did.
  async function after(r) {
    for (const d of r.sent) sent(d);
    if (r.auth) {
      // A send that began before a new sign-in (the service worker's) says
      // nothing of the new session: send again instead of asking.
      const now = ((await outbox.getMeta('csrf')) || {}).token;
      if (now && r.token !== now) {
        sync();
      } else {
        $('relogin').hidden = false;
        $('relogin-password').focus();
      }
    }
    if (r.sent.length) await refreshList();
    await render();
    return r;
  }

  // sync sends the outbox; sends never overlap on this page, and one that
  // fails (storage refused) does not stop the next.
  let chain = ready.catch(() => {});
  const sync = () => {
    const run = chain.then(() => outbox.flush()).then(after);
    chain = run.catch(() => {});
    return run;
  };

  function laterSync() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register('bts-outbox')).catch(() => { /* not offered */ });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = $('photo').files[0];
    const list = items();
    if (!$('target').value) { say(t('bts.k.err.target'), 'error'); return; }
    if (!list.length) { say(t('bts.k.err.items'), 'error'); return; }
    if (!file) { say(t('bts.k.err.photo'), 'error'); return; }
    $('send').disabled = true;
    try {
      await record(file, list);
    } finally {
      $('send').disabled = false;
    }
  });

  // record puts the report in the outbox and sends it if it can. A report
  // the server refuses at once leaves the outbox and stays in the form,
  // to be corrected; one that cannot be sent now waits in the outbox.
  async function record(file, list) {
    let p;
    try {
      p = await prepare(file);
    } catch (err) {
      say(t('bts.k.photo.unreadable'), 'error');
      return;
    }
    const clientID = newClientID();
    const target = $('target').selectedOptions[0];
    const seq = await outbox.add({client_id: clientID, user, facility, photo: p.photo,
      label: target.textContent.replace(/ \(.*$/, '') + ' · ' + $('date').value,
      fields: {enrolment_id: $('target').value, date: $('date').value, items: JSON.stringify(list),
        consumption: form.querySelector('input[name="consumption"]:checked').value, notes: $('notes').value,
        taken_at: p.taken_at, lat: p.lat, lon: p.lon}});
    const done = () => { form.reset(); $('date').value = $('date').max; };
    if (!navigator.onLine) {
      done();
      say(t('bts.k.queued'), 'wait');
      laterSync();
      return render();
    }
    say(t('bts.k.sending'));
    const r = await sync();
    const left = (await outbox.list()).find((it) => it.seq === seq);
    if (!left) {
      done();
      say(t('bts.k.sent'), 'ok');
    } else if (left.state === 'refused' && !r.auth) {
      await outbox.drop(seq);
      await render();
      say(left.error.message || t('bts.k.item.refused', {reason: left.error.code}), 'error');
    } else {
      done();
      say(t('bts.k.queued'), 'wait');
      laterSync();
    }
  }

  $('relogin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/api/v1/auth/login', {username: user, password: $('relogin-password').value});
      $('relogin-password').value = '';
      setCSRF(r.csrf_token);
      await outbox.setMeta('csrf', {token: r.csrf_token, at: Date.now()});
      $('relogin').hidden = true;
      $('relogin-why').textContent = t('bts.k.relogin');
      await sync();
      await refreshList();
    } catch (err) {
      $('relogin-why').textContent = err.message;
      $('relogin-password').focus();
    }
  });

  window.addEventListener('online', () => { render(); sync(); });
  window.addEventListener('offline', render);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (ev) => { if (ev.data && ev.data.outbox) after(ev.data.outbox); });
    navigator.serviceWorker.register('/kader-sw.js', {scope: '/kader', type: 'module'}).then(offlineReady).catch(() => { /* no offline copy */ });
  }
  render();
  if (navigator.onLine) sync();
}

// offlineReady marks the page (data-offline="ready") once the service
// worker controls it and keeps a copy of it for offline use.
async function offlineReady() {
  const sw = navigator.serviceWorker;
  await sw.ready;
  if (!sw.controller) await new Promise((resolve) => sw.addEventListener('controllerchange', resolve, {once: true}));
  for (let i = 0; i < 50; i++) {
    for (const name of await caches.keys()) {
      if (name.startsWith('kader-') && await (await caches.open(name)).match('/kader', {ignoreVary: true})) {
        document.body.dataset.offline = 'ready';
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
