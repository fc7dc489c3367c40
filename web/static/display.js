// The waiting-room TV: calls, recent calls, waiting counts, clock, running
// text and the voice. It heals itself after any network or server hiccup.
import {t, $, h, api, live, dateText} from './common.js';
import {announcement} from './numbers.js';
import {Announcer} from './voice.js';

const params = new URLSearchParams(location.search);
let code = params.get('facility') || '';
const filter = params.get('units') || '';
const screen = params.get('name') || '';
const voice = new Announcer(new URL('voice/', import.meta.url).href);
let facility = null, lastSeq = 0, skew = 0;
const units = new Map(); // code -> {code, name, waiting, current, seq}
let recent = [];
const seen = new Set(); // seqs already announced

// The hooks tests and operators read: every announcement queued, and the mode.
window.antrianAnnouncements = voice.log;
window.antrianVoice = voice;

function unitName(u) { const x = units.get(u) || (facility && facility.units.find((y) => y.code === u)); return x ? x.name : u; }

function renderUnits() {
  $('units').replaceChildren(...[...units.values()].map((u) => h('li', {},
    h('b', {}, u.name || u.code),
    h('span', {class: 'cur'}, u.current ? u.current.code : '–'),
    h('span', {class: 'wait'}, t('tv.waiting', {n: u.waiting || 0})),
    (u.arrived && u.arrived.length) ? h('span', {class: 'arrived', 'data-unit': u.code}, t('tv.arrived', {codes: u.arrived.join(', ')})) : null)));
}

// arrived shows, in a unit's row, the booked patients who just checked
// in (the last five, each for ten minutes): the one who scanned her
// ticket sees that the queue knows she is here.
function arrived(m) {
  const u = units.get(m.unit);
  if (!u || !m.code) return;
  u.arrived = [m.code, ...(u.arrived || []).filter((c) => c !== m.code)].slice(0, 5);
  setTimeout(() => { u.arrived = (u.arrived || []).filter((c) => c !== m.code); renderUnits(); }, 10 * 60 * 1000);
}

// dayOf is the facility's date (yyyy-mm-dd) at instant at.
function dayOf(at) {
  const tz = (facility && facility.timezone) || 'Asia/Jakarta';
  return new Intl.DateTimeFormat('en-CA', {timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit'}).format(new Date(at));
}

// otherDay reports whether call c is of a ticket of another day than the
// day it was made (yesterday's line still served after midnight): numbers
// start again every day, so the screen says whose it is.
function otherDay(c) { return !!(c.service_date && c.at && c.service_date !== dayOf(c.at)); }

function codeOf(c) {
  return otherDay(c) ? [c.code, h('small', {class: 'day'}, t('tv.otherday', {date: dateText(c.service_date, true)}))] : [c.code];
}

function renderRecent() {
  const c = recent[0];
  $('now-code').replaceChildren(...(c ? codeOf(c) : ['–']));
  $('now-to').textContent = c ? (c.counter ? t('tv.goto', {counter: c.counter}) : '') : '';
  $('now-unit').textContent = c ? unitName(c.unit) : '';
  $('recent').replaceChildren(...recent.slice(1, 7).map((r) => h('li', {}, h('span', {}, ...codeOf(r)), h('span', {}, r.counter || unitName(r.unit)))));
}

function flash() {
  const el = document.querySelector('.now');
  el.classList.remove('flash');
  void el.offsetWidth;
  el.classList.add('flash');
}

// fresh reports whether a call is recent enough to speak (a replay after a
// long outage is shown, not read out).
function fresh(ev) {
  const at = Date.parse(ev.at);
  return !at || Date.now() + skew - at < 180000;
}

function announce(ev) {
  if (seen.has(ev.seq)) return;
  seen.add(ev.seq);
  const a = announcement(ev.code, ev.counter, unitName(ev.unit));
  voice.say({key: ev.seq, seq: ev.seq, code: ev.code, counter: ev.counter, recall: !!ev.recall, text: a.text, clips: a.clips});
}

function onMessage(m) {
  if (m.type === 'snapshot') {
    const prev = lastSeq;
    lastSeq = m.seq || 0;
    units.clear();
    for (const u of m.units || []) units.set(u.code, Object.assign(u, {seq: m.seq}));
    recent = (m.recent || []).slice();
    // Calls we missed while away are announced if still fresh.
    if (prev) for (const c of recent.slice().reverse()) if (c.seq > prev && fresh(c)) announce(c);
    for (const c of recent) if (c.seq) seen.add(c.seq);
    renderUnits();
    renderRecent();
    return;
  }
  if (m.type === 'units') {
    // The board once a second: each unit as of its own seq (a call may
    // have come ahead of this update with a newer state of its unit).
    for (const x of m.units || []) setUnit(x.code, x.seq, x.waiting, x.current);
    lastSeq = Math.max(lastSeq, m.seq || 0);
    renderUnits();
    return;
  }
  if (typeof m.seq === 'number') {
    if (m.seq <= lastSeq) return; // a replay of what we already have
    lastSeq = m.seq;
  }
  if (m.type === 'called') {
    recent.unshift(m);
    recent = recent.slice(0, 10);
    // waiting and current describe the line of the ticket's own day.
    if (!otherDay(m) && units.has(m.unit)) setUnit(m.unit, m.seq, m.waiting, m.current || {code: m.code, counter: m.counter});
    renderRecent();
    renderUnits();
    flash();
    if (fresh(m)) announce(m);
  } else if (m.type === 'queue') {
    setUnit(m.unit, m.seq, m.waiting, m.current);
    if (m.kind === 'checked_in') arrived(m);
    renderUnits();
  }
}

// setUnit takes a unit's state as of event seq, unless it already shows a
// later one.
function setUnit(code, seq, waiting, current) {
  const u = units.get(code) || {code, name: unitName(code), seq: 0};
  if (seq <= u.seq) return;
  u.seq = seq;
  if (typeof waiting === 'number') u.waiting = waiting;
  if (current !== undefined) u.current = current;
  units.set(code, u);
}

function setNet(up) {
  const n = $('net');
  n.textContent = up ? t('net.online') : t('net.offline');
  n.classList.toggle('ok', up);
  document.body.dataset.online = up ? 'true' : 'false';
}

async function loadFacility() {
  try {
    if (!code) {
      const list = await api('GET', '/api/v1/facilities');
      if (list.length) code = list[0].code;
    }
    const res = await fetch('/api/v1/facilities/' + encodeURIComponent(code));
    if (!res.ok) throw new Error(res.status);
    const date = Date.parse(res.headers.get('Date'));
    if (date) skew = date - Date.now();
    facility = await res.json();
    $('fname').textContent = facility.name;
    document.title = facility.name;
    $('ticker').textContent = facility.announcement || t('tv.ticker.default');
    return true;
  } catch (err) {
    return false;
  }
}

function tick() {
  const now = new Date(Date.now() + skew);
  const tz = (facility && facility.timezone) || 'Asia/Jakarta';
  $('clock').textContent = now.toLocaleTimeString('id-ID', {timeZone: tz, hour: '2-digit', minute: '2-digit'});
  $('clock').setAttribute('datetime', now.toISOString());
}

function showUnlock() { $('unlock').hidden = !voice.locked; }

async function main() {
  setNet(false);
  while (!(await loadFacility())) await new Promise((r) => setTimeout(r, 5000));
  tick();
  setInterval(tick, 1000);
  // The running text and names change from the admin page: look again now and then.
  setInterval(loadFacility, 60000);
  // coalesce: calls at once, the rest of the board once a second.
  live(() => '/ws/display?coalesce=1&facility=' + encodeURIComponent(code) + (filter ? '&units=' + encodeURIComponent(filter) : '') +
    (screen ? '&name=' + encodeURIComponent(screen) : '') +
    (lastSeq ? '&since=' + lastSeq : ''), onMessage, setNet);
  voice.onchange = showUnlock;
  voice.tryUnlock();
  showUnlock();
  if (navigator.wakeLock) {
    const lock = () => navigator.wakeLock.request('screen').catch(() => {});
    lock();
    document.addEventListener('visibilitychange', () => { if (!document.hidden) lock(); });
  }
}

$('unlock').addEventListener('click', async () => { await voice.unlock(); showUnlock(); });
main();
