// The booking page: pick the Puskesmas, unit and day, and take a ticket.
import {t, $, h, api, APIError, dayIn, dateText, savedTickets, saveTicket, trackURL, waitText} from './common.js';

const form = $('book');
let facility = null;
let idemKey = '', idemBody = '';

function showError(field, msg) {
  const e = $(field + '-error');
  const input = $(field);
  if (e) { e.textContent = msg; e.hidden = !msg; }
  if (input) {
    if (msg) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-errormessage', field + '-error'); } else input.removeAttribute('aria-invalid');
  }
}

function clearErrors() {
  for (const f of ['facility', 'unit', 'service_date', 'name', 'phone', 'idnum', 'form']) showError(f, '');
}

async function loadFacilities() {
  const sel = $('facility');
  let list = [];
  try { list = await api('GET', '/api/v1/facilities'); } catch (err) { showError('form', err.message); }
  sel.replaceChildren(h('option', {value: ''}, t('book.choose')));
  for (const f of list) sel.append(h('option', {value: f.code}, f.name));
  const want = new URLSearchParams(location.search).get('facility') || localStorage.getItem('antrian.facility') || (list.length === 1 ? list[0].code : '');
  if (list.some((f) => f.code === want)) { sel.value = want; await loadFacility(want); }
}

async function loadFacility(code) {
  const box = $('units');
  box.replaceChildren();
  facility = null;
  if (!code) return;
  try { facility = await api('GET', '/api/v1/facilities/' + encodeURIComponent(code)); } catch (err) { showError('facility', err.message); return; }
  try { localStorage.setItem('antrian.facility', code); } catch (err) { /* */ }
  for (const u of facility.units) {
    const id = 'unit-' + u.code;
    const info = u.open ? t('book.unit.info', {n: u.waiting, w: waitText(u.estimated_wait_s)}) : t('book.unit.closed');
    box.append(h('label', {class: 'choice', for: id},
      h('input', {type: 'radio', name: 'unit', id, value: u.code}),
      h('span', {class: 'cname'}, u.name), h('span', {class: 'cinfo'}, info)));
  }
  const dates = $('service_date');
  dates.replaceChildren();
  const win = facility.booking_window == null ? 7 : facility.booking_window;
  for (let i = 0; i <= win; i++) {
    const d = dayIn(facility.timezone, i);
    const label = (i === 0 ? t('book.today') + ' · ' : i === 1 ? t('book.tomorrow') + ' · ' : '') + dateText(d, true);
    dates.append(h('option', {value: d}, label));
  }
}

function showMine() {
  const today = dayIn('Asia/Jakarta', 0);
  const mine = savedTickets().filter((x) => x.service_date >= today);
  $('mine').hidden = mine.length === 0;
  $('mine-list').replaceChildren(...mine.map((x) => h('li', {},
    h('a', {href: trackURL(x.id, x.token), class: 'mine'}, x.code + ' · ' + (x.unit_name || x.unit) + ' · ' + dateText(x.service_date)))));
}

// normPhone strips spaces and dashes; valid Indonesian mobile numbers only.
function normPhone(v) {
  v = v.replace(/[\s.-]/g, '');
  return v;
}

function validate() {
  clearErrors();
  let ok = true;
  const bad = (f, key) => { showError(f, t(key)); if (ok) { const el = $(f) || form.querySelector('input[name=unit]'); el && el.focus(); } ok = false; };
  if (!$('facility').value) bad('facility', 'err.facility');
  if (!form.querySelector('input[name=unit]:checked')) bad('unit', 'err.unit');
  const phone = normPhone($('phone').value);
  if (phone && !/^(\+62|62|0)8\d{7,12}$/.test(phone)) bad('phone', 'err.phone');
  if ($('notify').checked && !phone) bad('phone', 'err.phone.needed');
  const id = $('idnum').value.replace(/\s/g, '');
  if (id && !(/^\d{16}$/.test(id) || /^\d{13}$/.test(id))) bad('idnum', 'err.idnum');
  return ok;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!validate()) return;
  const id = $('idnum').value.replace(/\s/g, '');
  const unit = form.querySelector('input[name=unit]:checked').value;
  const body = {unit, service_date: $('service_date').value, name: $('name').value.trim(),
    phone: normPhone($('phone').value), priority: $('priority').value, notify: $('notify').checked, channel: 'online'};
  if (id.length === 16) body.nik = id;
  if (id.length === 13) body.bpjs = id;
  const bodyText = JSON.stringify(body);
  // The same key for a retry of the same request: a lost answer never books twice.
  if (bodyText !== idemBody) { idemBody = bodyText; idemKey = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()); }
  const btn = $('submit');
  btn.disabled = true;
  btn.textContent = t('book.sending');
  const fac = $('facility').value;
  try {
    const tk = await api('POST', '/api/v1/facilities/' + encodeURIComponent(fac) + '/tickets', body, {'Idempotency-Key': idemKey});
    const u = facility.units.find((x) => x.code === tk.unit);
    saveTicket({id: tk.id, token: tk.token, facility: fac, unit: tk.unit, unit_name: u ? u.name : tk.unit, code: tk.code, service_date: tk.service_date});
    location.href = trackURL(tk.id, tk.token);
    return;
  } catch (err) {
    if (err.code === 'duplicate' && err.body && err.body.ticket) {
      const mine = savedTickets().find((x) => x.id === err.body.ticket.id);
      if (mine) { location.href = trackURL(mine.id, mine.token); return; }
      showError('form', t('err.duplicate', {code: err.body.ticket.code}));
    } else if (err instanceof APIError && err.field) {
      const f = {nik: 'idnum', bpjs: 'idnum'}[err.field] || err.field;
      if ($(f + '-error')) { showError(f, err.message); const el = $(f); el && el.focus(); } else showError('form', err.message);
    } else if (err.code === 'network') {
      showError('form', t('err.network'));
    } else {
      showError('form', err.message);
    }
  }
  btn.disabled = false;
  btn.textContent = t('book.submit');
});

$('facility').addEventListener('change', (ev) => loadFacility(ev.target.value));
showMine();
loadFacilities();
