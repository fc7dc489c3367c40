// The admin page: facility settings, units, counters, staff accounts and
// the TV's running text, through the settings API.
import {t, $, h, api} from './common.js';
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

async function load() {
  if (!code) return;
  try { data = await api('GET', base() + '/settings'); } catch (err) { if (err.status === 401) return showLogin(); say(err.message, true); return; }
  const f = data.facility;
  $('ticker').value = f.announcement;
  $('f-name').value = f.name;
  $('f-window').value = f.booking_window;
  $('f-names').checked = f.show_names;
  renderUnits();
  renderCounters();
  renderUsers();
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
  const btn = h('button', {type: 'button', onclick: () => {
    const c = isNew ? code.value.trim().toUpperCase() : u.code;
    let bits = 0;
    days.querySelectorAll('input').forEach((x) => { if (x.checked) bits |= 1 << Number(x.dataset.bit); });
    save(() => api('PUT', base() + '/units/' + encodeURIComponent(c), {name: name.value, prefix: prefix.value.toUpperCase(),
      daily_quota: Number(quota.value), opens: opens.value, closes: closes.value, open_days: bits,
      policy: {mode: mode.value, every: Number(every.value), max_wait: p.max_wait, requeue_ahead: p.requeue_ahead},
      default_service_s: u.default_service_s || 300}));
  }}, isNew ? t('adm.add') : t('adm.save'));
  return h('tr', {}, h('td', {}, code), h('td', {}, name), h('td', {}, prefix), h('td', {}, quota),
    h('td', {}, opens, ' – ', closes), h('td', {}, days), h('td', {}, mode, ' ', every), h('td', {}, btn));
}

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

session(enter);
