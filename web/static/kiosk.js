// The touch kiosk: one tap takes a number and prints it on the thermal
// printer through the browser's print dialog (58 or 80 mm: ?paper=58).
import {t, $, h, api, waitText, trackURL, qr} from './common.js';

const params = new URLSearchParams(location.search);
let code = params.get('facility') || '';
const paper = params.get('paper') === '58' ? 'p58' : 'p80';
let facility = null, busy = false, resetTimer = null;

async function load() {
  try {
    if (!code) { const list = await api('GET', '/api/v1/facilities'); code = list.length ? list[0].code : ''; }
    facility = await api('GET', '/api/v1/facilities/' + encodeURIComponent(code));
    $('net').hidden = true;
  } catch (err) {
    $('net').hidden = false;
    $('net').textContent = t('net.offline');
    return;
  }
  $('fname').textContent = facility.name;
  $('buttons').replaceChildren(...facility.units.map((u) => h('button', {type: 'button', disabled: !u.open, 'data-unit': u.code, onclick: () => take(u)},
    u.name, h('small', {}, u.open ? t('kiosk.waiting', {n: u.waiting}) : t('kiosk.closed')))));
}

async function take(u) {
  if (busy) return;
  busy = true;
  try {
    const tk = await api('POST', '/api/v1/facilities/' + encodeURIComponent(code) + '/tickets', {unit: u.code, channel: 'kiosk'},
      {'Idempotency-Key': (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2))});
    await show(tk, u);
  } catch (err) {
    $('lead').textContent = err.message;
    setTimeout(() => { $('lead').textContent = t('kiosk.lead'); }, 6000);
  }
  busy = false;
}

async function show(tk, u) {
  const ahead = tk.ahead != null ? t('kiosk.ahead', {n: tk.ahead, w: waitText(tk.estimated_wait_s)}) : '';
  $('d-code').textContent = tk.code;
  $('d-unit').textContent = u.name;
  $('d-ahead').textContent = ahead;
  $('buttons').hidden = true;
  $('lead').hidden = true;
  $('done').hidden = false;
  const slip = $('slip');
  slip.className = 'slip ' + paper;
  $('s-fac').textContent = facility.name;
  $('s-code').textContent = tk.code;
  $('s-unit').textContent = u.name;
  $('s-when').textContent = new Date(tk.issued_at).toLocaleString('id-ID', {timeZone: facility.timezone, dateStyle: 'medium', timeStyle: 'short'});
  $('s-ahead').textContent = ahead;
  const img = $('s-qr');
  const loaded = new Promise((ok) => { img.onload = ok; img.onerror = ok; setTimeout(ok, 3000); });
  await qr(img, trackURL(tk.id, tk.token));
  await loaded;
  window.print();
  clearTimeout(resetTimer);
  resetTimer = setTimeout(reset, 15000);
}

function reset() {
  $('done').hidden = true;
  $('buttons').hidden = false;
  $('lead').hidden = false;
  load();
}

function tick() {
  const tz = (facility && facility.timezone) || 'Asia/Jakarta';
  $('clock').textContent = new Date().toLocaleTimeString('id-ID', {timeZone: tz, hour: '2-digit', minute: '2-digit'});
}

$('again').addEventListener('click', reset);
load();
tick();
setInterval(tick, 1000);
setInterval(() => { if (!busy && $('done').hidden) load(); }, 30000);
