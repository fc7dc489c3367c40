// The staff console: call, recall, skip, serve, finish and transfer, with
// the waiting list kept live. Every change by anyone on the unit arrives
// over the display socket and triggers a fresh read of the queue, so two
// staff on one unit never act on stale state.
import {t, $, h, api, live} from './common.js';
import {session, showLogin} from './staff.js';
import {btsStart, btsUnit, btsVisit} from './bts-console.js';

let me = null, facility = null, fcode = '', socket = null, mine = null, lastSkipped = null;
let refreshTimer = null, busy = false;
const CONSOLE = 'konsol-';
const store = (k, v) => { try { if (v === undefined) return localStorage.getItem('antrian.console.' + k) || ''; localStorage.setItem('antrian.console.' + k, v); } catch (err) { return ''; } return ''; };

function say(text, bad) {
  const m = $('msg');
  m.textContent = text || '';
  m.hidden = !text;
  m.classList.toggle('error', !!bad);
}

async function enter(r) {
  me = r.user;
  fcode = me.facility || new URLSearchParams(location.search).get('facility') || '';
  if (!fcode) {
    const list = await api('GET', '/api/v1/facilities');
    fcode = list.length ? list[0].code : '';
  }
  facility = await api('GET', '/api/v1/facilities/' + encodeURIComponent(fcode));
  $('fname').textContent = facility.name;
  btsStart(fcode, facility);
  const opts = () => facility.units.map((u) => h('option', {value: u.code}, u.name + ' (' + u.prefix + ')'));
  $('unit').replaceChildren(...opts());
  $('w-unit').replaceChildren(...opts());
  const saved = store('unit');
  if (facility.units.some((u) => u.code === saved)) $('unit').value = saved;
  $('counter').value = store('counter');
  try {
    const cs = await api('GET', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/counters');
    $('counters').replaceChildren(...cs.map((c) => h('option', {value: c.name}, c.unit ? c.name + ' · ' + c.unit : c.name)));
    if (!$('counter').value) { const c = cs.find((x) => x.unit === $('unit').value) || cs[0]; if (c) $('counter').value = c.name; }
  } catch (err) { /* free text still works */ }
  unitChanged();
  screens();
  setInterval(screens, 20000);
  setInterval(refresh, 30000);
}

function unit() { return $('unit').value; }
function counter() { return $('counter').value.trim(); }
function unitName(code) { const u = facility.units.find((x) => x.code === code); return u ? u.name : code; }

function unitChanged() {
  store('unit', unit());
  $('w-unit').value = unit();
  btsUnit(unit());
  $('to').replaceChildren(...facility.units.filter((u) => u.code !== unit()).map((u) => h('option', {value: u.code}, u.name)));
  if (socket) socket.close();
  // The console names its socket so that the list of screens can leave it out.
  socket = live(() => '/ws/display?facility=' + encodeURIComponent(fcode) + '&units=' + encodeURIComponent(unit()) +
    '&name=' + encodeURIComponent(CONSOLE + me.username.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 30)), () => {
    // Something changed on this unit: read the queue again (coalesced).
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 80);
  }, (up) => {
    $('net').hidden = up;
    $('net').textContent = up ? '' : t('net.offline');
    if (up) refresh();
  });
  // Nothing of the last unit's line stays on screen under this one's name.
  queue = {waiting: [], current: [], expected: []};
  render();
  refresh();
}

$('unit').addEventListener('change', unitChanged);
$('ci-form').addEventListener('submit', (ev) => { ev.preventDefault(); if ($('ci-code').value.trim()) checkIn($('ci-code').value.trim()); });
$('counter').addEventListener('change', () => { store('counter', counter()); render(); });

let queue = {waiting: [], current: [], expected: []};

// Queue reads may answer out of order (a slow network, a busy server): an
// answer older than the one shown, or for a unit no longer chosen, is
// dropped. The other unit's line would offer "call" buttons that call that
// unit's patients.
let asked = 0, shown = 0;

async function refresh() {
  const n = ++asked, u = unit();
  const stale = () => n < shown || u !== unit();
  try {
    const q = await api('GET', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/units/' + encodeURIComponent(u) + '/queue');
    if (stale()) return;
    shown = n;
    queue = q;
    render();
  } catch (err) {
    if (stale()) return;
    if (err.status === 401) return showLogin();
    say(err.message, true);
  }
}

function prio(p) { return p ? h('span', {class: 'badge'}, t('prio.short.' + p)) : null; }

function render() {
  const c = counter();
  mine = queue.current.find((x) => x.counter === c) || null;
  $('cur-none').hidden = !!mine;
  $('cur-box').hidden = !mine;
  if (mine) {
    $('cur-code').textContent = mine.code;
    $('cur-info').replaceChildren(...[prio(mine.priority), ' ', t('status.' + mine.status), mine.name ? ' · ' + mine.name : '',
      mine.call_count > 1 ? ' · ' + t('con.calls', {n: mine.call_count}) : ''].filter((x) => x != null));
    $('start').disabled = mine.status !== 'called';
    $('recall').disabled = mine.status !== 'called';
    $('skip').disabled = mine.status !== 'called';
  }
  btsVisit(mine);
  $('others').replaceChildren(...queue.current.filter((x) => x !== mine).map((x) =>
    h('li', {}, h('b', {}, x.code), ' → ' + (x.counter || '–') + ' · ' + t('status.' + x.status))));
  $('wcount').textContent = queue.waiting.length;
  $('next').disabled = !queue.waiting.length || !c;
  $('wlist').replaceChildren(...queue.waiting.map((x) => h('li', {},
    h('div', {class: 'wrow'}, h('b', {}, x.code), prio(x.priority),
      h('span', {class: 'nm'}, (x.name || '') + (x.from_unit ? ' ← ' + unitName(x.from_unit) : '')),
      x.checked_in_at ? h('span', {class: 'badge in', title: t('con.ci.at', {time: hhmm(x.checked_in_at)})}, t('con.ci.in')) : null,
      h('button', {type: 'button', 'aria-label': t('con.call.this', {code: x.code}), onclick: () => act(x.id, 'call')}, t('con.call'))))));
  const u = facility.units.find((x) => x.code === unit());
  const expected = queue.expected || [];
  $('checkin-box').hidden = !(u && u.checkin_required) && !expected.length;
  $('ecount').textContent = expected.length;
  $('elist').replaceChildren(...expected.map((x) => h('li', {'data-status': x.status},
    h('div', {class: 'wrow'}, h('b', {}, x.code), prio(x.priority),
      h('span', {class: 'nm'}, (x.name || '') + (x.window_start ? ' · ' + hhmm(x.window_start) + '–' + hhmm(x.window_end) : '')),
      h('span', {class: 'st'}, t('status.' + x.status)),
      h('button', {type: 'button', 'aria-label': t('con.ci.this', {code: x.code}), onclick: () => checkIn(x.code)}, t('con.ci.submit'))))));
  $('skipped').hidden = !lastSkipped;
  if (lastSkipped) $('skipped-text').textContent = t('con.skipped', {code: lastSkipped.code});
}

// hhmm is the facility's local time of an RFC 3339 instant, as written
// ("09.30"): the server sends it in the facility's zone.
function hhmm(at) { return at ? at.slice(11, 16).replace(':', '.') : ''; }

// checkIn checks a patient in by her ticket code or a scanned ticket link
// (a desk scanner types the link and Enter into the field).
async function checkIn(code) {
  say('');
  try {
    // A typed number of this unit's prefix is this unit's (units may share
    // a prefix); any other code or a scanned link names its own ticket.
    const u = facility.units.find((x) => x.code === unit());
    const mine = u && code.trim().toUpperCase().startsWith(u.prefix) && !code.includes('/');
    const tk = await api('POST', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/checkin', mine ? {code, unit: u.code} : {code});
    say(t('con.ci.done', {code: tk.code, n: tk.position || '–'}));
    $('ci-code').value = '';
  } catch (err) {
    if (err.status === 401) return showLogin();
    say(err.message, true);
  }
  await refresh();
}

async function run(fn) {
  if (busy) return;
  if (!counter()) { say(t('con.need.counter'), true); $('counter').focus(); return; }
  busy = true;
  say('');
  try { await fn(); } catch (err) {
    if (err.status === 401) { busy = false; return showLogin(); }
    say(err.code === 'conflict' ? t('con.conflict') : err.message, true);
  }
  busy = false;
  await refresh();
}

function act(id, action, body) {
  return run(async () => {
    const tk = await api('POST', '/api/v1/tickets/' + encodeURIComponent(id) + '/' + action, body || {counter: counter()});
    if (action === 'skip') lastSkipped = tk;
    if (action === 'requeue') lastSkipped = null;
    if (action === 'call') say(t('con.called', {code: tk.code, counter: tk.counter}));
  });
}

function callNext() {
  return run(async () => {
    const tk = await api('POST', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/units/' + encodeURIComponent(unit()) + '/call', {counter: counter()});
    say(tk ? t('con.called', {code: tk.code, counter: tk.counter}) : t('con.empty'));
  });
}

function transfer() {
  if (!mine) return;
  const to = $('to').value;
  return run(async () => {
    const r = await api('POST', '/api/v1/tickets/' + encodeURIComponent(mine.id) + '/transfer', {unit: to});
    say(t('con.transferred', {code: r.from.code, unit: unitName(to), newcode: r.to.code}));
  });
}

$('next').addEventListener('click', callNext);
$('recall').addEventListener('click', () => mine && act(mine.id, 'recall'));
$('skip').addEventListener('click', () => mine && act(mine.id, 'skip'));
$('start').addEventListener('click', () => mine && act(mine.id, 'start'));
$('finish').addEventListener('click', () => mine && act(mine.id, 'finish'));
$('transfer').addEventListener('click', transfer);
$('requeue').addEventListener('click', () => lastSkipped && act(lastSkipped.id, 'requeue'));

$('walkin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('w-out');
  try {
    const tk = await api('POST', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/tickets',
      {unit: $('w-unit').value, name: $('w-name').value.trim(), priority: $('w-priority').value, channel: 'desk'});
    out.textContent = t('con.issued', {code: tk.code, unit: unitName(tk.unit)});
    $('w-name').value = '';
    $('w-priority').value = '';
  } catch (err) {
    out.textContent = err.message;
  }
});

// Keyboard shortcuts, unless typing in a field.
document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || $('app').hidden) return;
  const tag = (ev.target.tagName || '').toLowerCase();
  if (tag === 'input' || tag === 'select' || tag === 'textarea') return;
  if (ev.target.closest && ev.target.closest('#m, #p')) return; // keys in the BTS sections belong to them
  const k = ev.key.toLowerCase();
  const map = {n: () => callNext(), r: () => $('recall').click(), s: () => $('skip').click(), m: () => $('start').click(),
    f: () => $('finish').click(), t: () => $('to').focus()};
  if (map[k]) { ev.preventDefault(); map[k](); }
});

async function screens() {
  const el = $('screens');
  try {
    const ds = await api('GET', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/displays');
    const tvs = ds.filter((d) => !(d.name || '').startsWith(CONSOLE));
    const on = tvs.filter((d) => d.online);
    // A screen without a name gets a new id on every connection: only named ones are missed.
    const off = tvs.filter((d) => !d.online && d.name);
    // Anyone may open a screen: those not opened by staff (signed in, or with an API token) are marked.
    const label = (d) => d.verified ? (d.name || d.id) : t('con.screen.anon', {name: d.name || d.id});
    el.replaceChildren(t('con.screens', {n: on.length}), ' ',
      ...on.map((d) => d.verified ? label(d) + ' ' : h('span', {class: 'unverified'}, label(d) + ' ')),
      ...off.map((d) => h('span', {class: 'off'}, t('con.screen.off', {name: label(d)}) + ' ')));
  } catch (err) {
    el.textContent = '';
  }
}

session(enter);
