// The admin page: facility settings, units, counters, staff accounts, the
// TV's running text and the national integrations, through the settings API.
import {t, $, h, api, qr} from './common.js';
import {session, showLogin} from './staff.js';

let me = null, code = '', data = null;
const DAYS = ['Min', 'Sen', 'Sel', 'Rab', 'Kam', 'Jum', 'Sab'];
const base = () => '/api/v1/facilities/' + encodeURIComponent(code);

function say(text, bad) {
  const m = $('msg');
  m.textContent = text;
  m.hidden = !text;
  m.classList.toggle('error', !!bad);
  if (text) m.scrollIntoView({block: 'nearest'});
}

async function save(fn, okText) {
  try {
    await fn();
    say(okText || t('adm.saved'));
    await load();
  } catch (err) {
    if (err.status === 401) return showLogin();
    say(err.message + (err.field ? ' (' + err.field + ')' : ''), true);
  }
}

async function enter(r) {
  me = r.user;
  if (me.role !== 'admin') { say(t('adm.notadmin'), true); return; }
  const list = await api('GET', '/api/v1/admin/facilities');
  $('fac').replaceChildren(...list.map((f) => h('option', {value: f.code}, f.name + ' (' + f.code + ')')));
  $('newfac').hidden = me.facility !== '';
  code = me.facility || (list[0] && list[0].code) || '';
  $('fac').value = code;
  await load();
}

$('fac').addEventListener('change', () => { code = $('fac').value; load(); });

// Another facility (or unit) may be chosen while a read is on its way: its
// answer is then dropped, or the forms would show the last one's settings
// under this one's name, and saving would write them here.
async function load() {
  if (!code) return;
  const c = code;
  let d;
  try { d = await api('GET', base() + '/settings'); } catch (err) { if (c !== code) return; if (err.status === 401) return showLogin(); say(err.message, true); return; }
  if (c !== code) return;
  data = d;
  const f = data.facility;
  $('ticker').value = f.announcement;
  $('f-name').value = f.name;
  $('f-window').value = f.booking_window;
  $('f-names').checked = f.show_names;
  renderUnits();
  renderCounters();
  loadSessions();
  loadHolidays();
  renderUsers();
  loadInteg();
}

$('ticker-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save(() => api('PUT', base() + '/announcement', {text: $('ticker').value}));
});

$('fac-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save(() => api('PUT', base() + '/settings', {name: $('f-name').value, booking_window: Number($('f-window').value),
    show_names: $('f-names').checked, announcement: $('ticker').value}));
});

function input(attrs) { return h('input', attrs); }

function unitRow(u, isNew) {
  const id = (k) => 'u-' + (u.code || 'new') + '-' + k;
  const lab = (k, text) => ({id: id(k), 'aria-label': text});
  const code = isNew ? input(Object.assign(lab('code', t('adm.u.code')), {class: 'num', maxlength: 20, pattern: '[A-Z0-9_]+'})) : h('b', {}, u.code);
  const name = input(Object.assign(lab('name', t('adm.u.name')), {value: u.name || ''}));
  const prefix = input(Object.assign(lab('prefix', t('adm.u.prefix')), {value: u.prefix || '', maxlength: 1, size: 2, class: 'num'}));
  const quota = input(Object.assign(lab('quota', t('adm.u.quota')), {type: 'number', min: 1, value: u.daily_quota || 100, class: 'num'}));
  const opens = input(Object.assign(lab('opens', t('adm.u.opens')), {type: 'time', value: u.opens || '07:30', class: 'hm'}));
  const closes = input(Object.assign(lab('closes', t('adm.u.closes')), {type: 'time', value: u.closes || '14:00', class: 'hm'}));
  const days = h('div', {class: 'days'}, ...DAYS.map((d, i) => h('label', {}, d,
    input({type: 'checkbox', 'data-bit': i, checked: ((u.open_days == null ? 126 : u.open_days) >> i) & 1 ? true : null}))));
  const p = u.policy || {mode: 'ratio', every: 2, max_wait: 1800, requeue_ahead: 3};
  const mode = h('select', lab('mode', t('adm.u.policy')), ...['ratio', 'strict', 'fifo'].map((m) => h('option', {value: m, selected: p.mode === m ? true : null}, t('adm.mode.' + m))));
  const every = input(Object.assign(lab('every', t('adm.u.every')), {type: 'number', min: 1, value: p.every, class: 'num', title: t('adm.u.every')}));
  const ci = u.checkin || {required: false, grace_min: 15, no_show: 'back'};
  const ciOn = input(Object.assign(lab('checkin', t('adm.u.checkin')), {type: 'checkbox', checked: ci.required ? true : null}));
  const ciGrace = input(Object.assign(lab('grace', t('adm.ci.grace')), {type: 'number', min: 0, max: 240, value: ci.grace_min, class: 'num', title: t('adm.ci.grace')}));
  const ciRule = h('select', lab('noshow', t('adm.ci.rule')), ...['back', 'requeue', 'refuse'].map((m) => h('option', {value: m, selected: ci.no_show === m ? true : null}, t('adm.ci.rule.' + m))));
  const btn = h('button', {type: 'button', onclick: () => {
    const c = isNew ? code.value.trim().toUpperCase() : u.code;
    let bits = 0;
    days.querySelectorAll('input').forEach((x) => { if (x.checked) bits |= 1 << Number(x.dataset.bit); });
    save(() => api('PUT', base() + '/units/' + encodeURIComponent(c), {name: name.value, prefix: prefix.value.toUpperCase(),
      daily_quota: Number(quota.value), opens: opens.value, closes: closes.value, open_days: bits,
      policy: {mode: mode.value, every: Number(every.value), max_wait: p.max_wait, requeue_ahead: p.requeue_ahead},
      default_service_s: u.default_service_s || 300,
      checkin: {required: ciOn.checked, grace_min: Number(ciGrace.value), no_show: ciRule.value}}));
  }}, isNew ? t('adm.add') : t('adm.save'));
  return h('tr', {}, h('td', {}, code), h('td', {}, name), h('td', {}, prefix), h('td', {}, quota),
    h('td', {}, opens, ' – ', closes, u.sessions ? h('div', {class: 'hint'}, t('adm.u.bysessions')) : null), h('td', {}, days), h('td', {}, mode, ' ', every),
    h('td', {class: 'ci'}, h('label', {}, ciOn, ' ', t('adm.ci.required')), ' ', ciGrace, ' ', t('adm.ci.min'), ' ', ciRule), h('td', {}, btn));
}

// The check-in poster: a QR code of the facility's check-in link, printed
// and posted at the entrance for patients to check in from their phones.
$('poster-show').addEventListener('click', async () => {
  try {
    const p = await api('GET', base() + '/checkin-poster');
    const url = location.origin + p.path;
    $('poster-link').href = url;
    $('poster-link').textContent = url;
    $('kiosk-link').href = location.origin + p.kiosk;
    $('kiosk-link').textContent = location.origin + p.kiosk;
    await qr($('poster-qr'), url);
    $('poster').hidden = false;
  } catch (err) { say(err.message, true); }
});
$('poster-print').addEventListener('click', () => {
  document.body.classList.add('print-poster');
  window.print();
  document.body.classList.remove('print-poster');
});

function renderUnits() {
  $('units').tBodies[0].replaceChildren(...data.units.map((u) => unitRow(u, false)), unitRow({}, true));
}

function counterRow(c) {
  const sel = h('select', {'aria-label': t('adm.c.unit')}, h('option', {value: ''}, t('adm.c.any')),
    ...data.units.map((u) => h('option', {value: u.code, selected: c.unit === u.code ? true : null}, u.name)));
  const tr = h('tr', {}, h('td', {}, input({value: c.name || '', maxlength: 40, 'aria-label': t('adm.c.name'), class: 'c-name'})), h('td', {}, sel),
    h('td', {}, h('button', {type: 'button', class: 'danger', onclick: () => tr.remove()}, t('adm.remove'))));
  return tr;
}

function renderCounters() {
  $('counters').tBodies[0].replaceChildren(...data.counters.map(counterRow));
}

$('c-add').addEventListener('click', () => { $('counters').tBodies[0].append(counterRow({})); $('counters').tBodies[0].lastChild.querySelector('input').focus(); });
$('c-save').addEventListener('click', () => {
  const rows = [...$('counters').tBodies[0].rows].map((r) => ({name: r.querySelector('input').value.trim(), unit: r.querySelector('select').value})).filter((c) => c.name);
  save(() => api('PUT', base() + '/counters', rows));
});

// Practice sessions of the unit chosen in #s-unit, replaced whole on save.
function sessionRow(x) {
  const day = h('select', {'aria-label': t('adm.s.day'), class: 's-day'}, ...[1, 2, 3, 4, 5, 6, 0].map((d) =>
    h('option', {value: d, selected: x.weekday === d ? true : null}, t('adm.s.day.' + d))));
  const tr = h('tr', {}, h('td', {}, day),
    h('td', {}, input({type: 'time', class: 'hm s-start', value: x.start || '07:30', 'aria-label': t('adm.s.start'), required: true})),
    h('td', {}, input({type: 'time', class: 'hm s-end', value: x.end || '12:00', 'aria-label': t('adm.s.end'), required: true})),
    h('td', {}, input({class: 's-staff', value: x.staff || '', maxlength: 100, 'aria-label': t('adm.s.staff')})),
    h('td', {}, input({type: 'number', class: 'num s-kode', min: 0, value: x.kodedokter || 0, 'aria-label': t('adm.i.kodedokter')})),
    h('td', {}, input({type: 'number', class: 'num s-cap', min: 0, value: x.capacity || 0, 'aria-label': t('adm.s.capacity')})),
    h('td', {}, h('button', {type: 'button', class: 'danger', onclick: () => tr.remove()}, t('adm.remove'))));
  return tr;
}

const sessionsPath = () => base() + '/units/' + encodeURIComponent($('s-unit').value) + '/sessions';

async function loadSessions() {
  const sel = $('s-unit');
  const keep = sel.value;
  sel.replaceChildren(...data.units.map((u) => h('option', {value: u.code}, u.name + ' (' + u.code + ')')));
  if (data.units.some((u) => u.code === keep)) sel.value = keep;
  if (!sel.value) { $('sessions').tBodies[0].replaceChildren(); return; }
  let list;
  const path = sessionsPath();
  try { list = await api('GET', path); } catch (err) { if (path !== sessionsPath()) return; say(err.message, true); return; }
  if (path !== sessionsPath()) return;
  $('sessions').tBodies[0].replaceChildren(...list.map(sessionRow));
  $('s-none').hidden = list.length > 0;
}

$('s-unit').addEventListener('change', loadSessions);
$('s-add').addEventListener('click', () => {
  const rows = $('sessions').tBodies[0].rows;
  const last = rows.length ? rows[rows.length - 1] : null;
  const x = last ? {weekday: (Number(last.querySelector('.s-day').value) + 1) % 7, start: last.querySelector('.s-start').value,
    end: last.querySelector('.s-end').value, staff: last.querySelector('.s-staff').value} : {weekday: 1};
  $('sessions').tBodies[0].append(sessionRow(x));
  $('s-none').hidden = true;
});
$('s-save').addEventListener('click', () => {
  const list = [...$('sessions').tBodies[0].rows].map((r) => ({weekday: Number(r.querySelector('.s-day').value),
    start: r.querySelector('.s-start').value, end: r.querySelector('.s-end').value, staff: r.querySelector('.s-staff').value.trim(),
    kodedokter: Number(r.querySelector('.s-kode').value) || 0, capacity: Number(r.querySelector('.s-cap').value) || 0}));
  save(() => api('PUT', sessionsPath(), list));
});

async function loadHolidays() {
  let days;
  const c = code;
  try { days = await api('GET', base() + '/closed-days'); } catch (err) { if (c !== code) return; say(err.message, true); return; }
  if (c !== code) return;
  $('holidays').tBodies[0].replaceChildren(...days.map((d) => h('tr', {},
    h('td', {}, d.date), h('td', {}, d.reason),
    h('td', {}, h('button', {type: 'button', class: 'small', onclick: () => save(() => api('DELETE', base() + '/closed-days/' + d.date))}, t('adm.h.remove'))))));
  $('h-none').hidden = days.length > 0;
}

$('h-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save(() => api('PUT', base() + '/closed-days/' + $('h-date').value, {reason: $('h-reason').value}));
});

$('h-import').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = new FormData();
  form.append('file', $('h-file').files[0]);
  let n = 0;
  await save(async () => { n = (await api('POST', base() + '/closed-days/import', form)).imported; });
  if (n) say(t('adm.h.imported', {n}));
});

function renderUsers() {
  $('users').tBodies[0].replaceChildren(...data.users.map((u) => {
    const role = h('select', {'aria-label': t('adm.role') + ' ' + u.username}, ...['staff', 'admin', 'kader'].map((r) => h('option', {value: r, selected: u.role === r ? true : null}, r)));
    const dis = input({type: 'checkbox', checked: u.disabled ? true : null, 'aria-label': t('adm.disabled') + ' ' + u.username});
    const pass = input({type: 'password', autocomplete: 'new-password', 'aria-label': t('adm.newpass') + ' ' + u.username});
    return h('tr', {}, h('td', {}, u.username), h('td', {}, role), h('td', {}, dis), h('td', {}, pass),
      h('td', {}, h('button', {type: 'button', onclick: () => save(() => api('PATCH', base() + '/users/' + encodeURIComponent(u.username),
        Object.assign({role: role.value, disabled: dis.checked}, pass.value ? {password: pass.value} : {})))}, t('adm.save'))));
  }));
}

$('user-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save(async () => {
    await api('POST', base() + '/users', {username: $('nu-name').value.trim(), role: $('nu-role').value, password: $('nu-pass').value});
    $('nu-name').value = '';
    $('nu-pass').value = '';
  });
});

$('newfac-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save(async () => {
    await api('POST', '/api/v1/admin/facilities', {code: $('nf-code').value.trim(), name: $('nf-name').value.trim()});
    code = $('nf-code').value.trim();
    await enter({user: me});
  });
});

// Integrations: Mobile JKN, BPJS Antrean FKTP and SATUSEHAT. Secrets are
// write-only: the API says whether one is set, an empty field keeps it.
const ibase = () => base() + '/integrations';

function note(id, text, bad) {
  const m = $(id);
  m.textContent = text;
  m.hidden = !text;
  m.classList.toggle('error', !!bad);
}

async function send(id, fn, okText) {
  note(id, '');
  try {
    await fn();
    note(id, okText || t('adm.saved'));
    return true;
  } catch (err) {
    if (err.status === 401) { showLogin(); return false; }
    note(id, err.message + (err.field ? ' (' + err.field + ')' : ''), true);
    return false;
  }
}

const secretState = (id, set) => { $(id).textContent = set ? t('adm.i.set') : t('adm.i.unset'); };
const envField = (pre) => { $(pre + '-base-field').hidden = $(pre + '-environment').value !== 'custom'; };
const cell = (id, label, value, extra) => h('td', {}, input(Object.assign({id, 'aria-label': label, value: value == null ? '' : value}, extra || {})));

async function loadInteg() {
  let s;
  const c = code;
  try { s = await api('GET', ibase()); } catch (err) { if (c !== code) return; if (err.status === 401) return showLogin(); note('jkn-msg', err.message, true); return; }
  if (c !== code) return;
  const units = data.units;
  const j = s.jkn;
  $('jkn-form').hidden = !j;
  if (j) {
    $('jkn-username').value = j.username;
    $('jkn-password').value = '';
    secretState('jkn-password-state', !!j.username);
    $('jkn-poli').tBodies[0].replaceChildren(...units.map((u) => {
      const p = j.poli.find((x) => x.unit === u.code) || {};
      const id = (k) => 'jp-' + u.code + '-' + k;
      const name = (k) => t('adm.i.' + k) + ' ' + u.name;
      return h('tr', {'data-unit': u.code}, h('td', {}, u.name),
        cell(id('kodepoli'), name('kodepoli'), p.kodepoli, {maxlength: 10, class: 'num', list: 'bpjs-poli'}),
        cell(id('kodedokter'), name('kodedokter'), p.kodedokter || '', {type: 'number', min: 0, class: 'num'}),
        cell(id('namadokter'), name('namadokter'), p.namadokter, {maxlength: 100}),
        cell(id('jampraktek'), name('jampraktek'), p.jampraktek, {maxlength: 20, class: 'hm'}));
    }));
  }
  const b = s.bpjs || {environment: 'development'};
  $('bpjs-enabled').checked = !!b.enabled;
  $('bpjs-environment').value = b.environment;
  $('bpjs-base_url').value = b.environment === 'custom' ? b.base_url : '';
  $('bpjs-cons_id').value = b.cons_id || '';
  $('bpjs-pcare_user').value = b.pcare_user || '';
  for (const k of ['secret', 'user_key', 'pcare_password']) $('bpjs-' + k).value = '';
  secretState('bpjs-secret-state', b.secret_set);
  envField('bpjs');
  const ss = s.satusehat || {environment: 'sandbox', locations: []};
  $('ss-enabled').checked = !!ss.enabled;
  $('ss-environment').value = ss.environment;
  $('ss-base_url').value = ss.environment === 'custom' ? ss.base_url : '';
  $('ss-client_id').value = ss.client_id || '';
  $('ss-client_secret').value = '';
  $('ss-organization_id').value = ss.organization_id || '';
  secretState('ss-secret-state', ss.secret_set);
  envField('ss');
  $('ss-locations').tBodies[0].replaceChildren(...units.map((u) => {
    const l = ss.locations.find((x) => x.unit === u.code) || {};
    return h('tr', {'data-unit': u.code}, h('td', {}, u.name),
      cell('sl-' + u.code + '-location_id', t('adm.i.location') + ' ' + u.name, l.location_id),
      cell('sl-' + u.code + '-practitioner', t('adm.i.practitioner') + ' ' + u.name, l.practitioner));
  }));
  loadFailed();
}

$('bpjs-environment').addEventListener('change', () => envField('bpjs'));
$('ss-environment').addEventListener('change', () => envField('ss'));

const rows = (id) => [...$(id).tBodies[0].rows].map((r) => {
  const v = {unit: r.dataset.unit};
  r.querySelectorAll('input').forEach((x) => { v[x.id.slice(x.id.lastIndexOf('-') + 1)] = x.value.trim(); });
  return v;
});

$('jkn-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const poli = rows('jkn-poli').filter((p) => p.kodepoli).map((p) => ({kodepoli: p.kodepoli, unit: p.unit,
    kodedokter: Number(p.kodedokter) || 0, namadokter: p.namadokter, jampraktek: p.jampraktek}));
  if (await send('jkn-msg', () => api('PUT', ibase() + '/jkn', {username: $('jkn-username').value.trim(), password: $('jkn-password').value, poli}))) {
    $('jkn-password').value = '';
    secretState('jkn-password-state', true);
  }
});

// The PCare poli codes (and a poli's doctors) come from BPJS once the BPJS settings are saved.
$('jkn-ref').addEventListener('click', async () => {
  try {
    const list = await api('GET', ibase() + '/bpjs/poli');
    $('bpjs-poli').replaceChildren(...list.map((p) => h('option', {value: p.kodepoli}, p.namapoli)));
    note('jkn-msg', t('adm.i.ref.done', {n: list.length, list: list.map((p) => p.kodepoli + ' ' + p.namapoli).join(', ')}));
  } catch (err) {
    if (err.status === 401) return showLogin();
    note('jkn-msg', err.message, true);
  }
});

$('jkn-poli').addEventListener('change', async (ev) => {
  const x = ev.target;
  if (!x.id.endsWith('-kodepoli') || !x.value || !$('bpjs-poli').options.length) return;
  try {
    const docs = await api('GET', ibase() + '/bpjs/dokter?kodepoli=' + encodeURIComponent(x.value));
    const tr = x.closest('tr');
    if (docs.length === 1) {
      const [kd, nd, jp] = ['kodedokter', 'namadokter', 'jampraktek'].map((k) => tr.querySelector('[id$="-' + k + '"]'));
      if (!kd.value || kd.value === '0') { kd.value = docs[0].kodedokter; nd.value = docs[0].namadokter; jp.value = docs[0].jampraktek; }
    }
    note('jkn-msg', t('adm.i.ref.dokter', {kode: x.value, list: docs.map((d) => d.kodedokter + ' ' + d.namadokter + ' (' + d.jampraktek + ')').join(', ')}));
  } catch (err) { note('jkn-msg', err.message, true); }
});

$('bpjs-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const v = (k) => $('bpjs-' + k).value.trim();
  send('bpjs-msg', () => api('PUT', ibase() + '/bpjs', {enabled: $('bpjs-enabled').checked, environment: v('environment'),
    base_url: v('base_url'), cons_id: v('cons_id'), secret: v('secret'), user_key: v('user_key'), pcare_user: v('pcare_user'),
    pcare_password: $('bpjs-pcare_password').value})).then((ok) => ok && loadInteg());
});

$('ss-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const v = (k) => $('ss-' + k).value.trim();
  const locations = rows('ss-locations').filter((l) => l.location_id).map((l) => ({unit: l.unit, location_id: l.location_id, practitioner: l.practitioner}));
  send('ss-msg', () => api('PUT', ibase() + '/satusehat', {enabled: $('ss-enabled').checked, environment: v('environment'),
    base_url: v('base_url'), client_id: v('client_id'), client_secret: v('client_secret'), organization_id: v('organization_id'),
    locations})).then((ok) => ok && loadInteg());
});

async function loadFailed() {
  let list;
  try { list = await api('GET', ibase() + '/failed'); } catch (err) { note('failed-msg', err.message, true); return; }
  $('failed-none').hidden = list.length > 0;
  $('failed').hidden = !list.length;
  $('failed').tBodies[0].replaceChildren(...list.map((c) => h('tr', {},
    h('td', {}, new Date(c.created_at).toLocaleString(document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID')),
    h('td', {}, c.target + ' · ' + c.kind), h('td', {}, c.code + ' · ' + c.unit), h('td', {}, String(c.attempts)),
    h('td', {}, c.last_error),
    h('td', {}, h('button', {type: 'button', 'data-id': c.id, onclick: async () => {
      if (await send('failed-msg', () => api('POST', '/api/v1/integrations/' + c.id + '/retry', {}), t('adm.i.retried'))) loadFailed();
    }}, t('adm.i.retry'))))));
}

$('failed-reload').addEventListener('click', () => { note('failed-msg', ''); loadFailed(); });

session(enter);
