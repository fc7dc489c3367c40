// The staff console: call, recall, skip, serve, finish and transfer, with
// the waiting list kept live. Every change by anyone on the unit arrives
// over the display socket and triggers a fresh read of the queue, so two
// staff on one unit never act on stale state.
import {t, $, h, api, live, dayIn} from './common.js';
import {session, showLogin} from './staff.js';

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
  $('m').open = MEASURE_UNITS.test(unit());
  $('p').open = PREGNANCY_UNITS.test(unit());
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
  refresh();
}

$('unit').addEventListener('change', unitChanged);
$('counter').addEventListener('change', () => { store('counter', counter()); render(); });

let queue = {waiting: [], current: []};

async function refresh() {
  try {
    queue = await api('GET', '/api/v1/facilities/' + encodeURIComponent(fcode) + '/units/' + encodeURIComponent(unit()) + '/queue');
    render();
  } catch (err) {
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
  $('m').hidden = !mine;
  $('p').hidden = !mine;
  // A new current ticket is a new visit: forget the child, the woman and the results.
  if ((mine ? mine.id : '') !== mTicket) { mTicket = mine ? mine.id : ''; mReset(); pReset(); }
  $('others').replaceChildren(...queue.current.filter((x) => x !== mine).map((x) =>
    h('li', {}, h('b', {}, x.code), ' → ' + (x.counter || '–') + ' · ' + t('status.' + x.status))));
  $('wcount').textContent = queue.waiting.length;
  $('next').disabled = !queue.waiting.length || !c;
  $('wlist').replaceChildren(...queue.waiting.map((x) => h('li', {},
    h('div', {class: 'wrow'}, h('b', {}, x.code), prio(x.priority),
      h('span', {class: 'nm'}, (x.name || '') + (x.from_unit ? ' ← ' + unitName(x.from_unit) : '')),
      h('button', {type: 'button', 'aria-label': t('con.call.this', {code: x.code}), onclick: () => act(x.id, 'call')}, t('con.call'))))));
  $('skipped').hidden = !lastSkipped;
  if (lastSkipped) $('skipped-text').textContent = t('con.skipped', {code: lastSkipped.code});
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

// --- Measuring a child (BTS) at this visit, linked to the current ticket.

// The units whose staff measure children: the section opens by itself there.
const MEASURE_UNITS = /^(KIA|MTBS)$/i;
// The API's field names and the form's inputs.
const M_NUMS = {weight_kg: 'm-weight', lenhei_cm: 'm-lenhei', lila_cm: 'm-lila', head_cm: 'm-head'};
const M_FIELDS = Object.assign({measure: 'm-measure'}, M_NUMS);
// The same for registering a child (bts.Child.Validate names these fields).
const R_NUMS = {birth_weight_kg: 'm-bweight', birth_length_cm: 'm-blength'};
const R_TEXTS = {name: 'm-name', birth_date: 'm-born', nik: 'm-nik', mother_name: 'm-mother', desa: 'm-desa',
  posyandu_id: 'm-posyandu', rt: 'm-rt', rw: 'm-rw', address: 'm-street', poor_basis: 'm-poor'};
const R_FIELDS = Object.assign({sex: 'm-sex'}, R_TEXTS, R_NUMS);
// The indices shown: category, z-score and flag fields of a measurement.
const M_INDICES = [['tbu', 'zlen', 'flen'], ['bbu', 'zwei', 'fwei'], ['bbtb', 'zwfl', 'fwfl'], ['imtu', 'zbmi', 'fbmi']];
let mTicket = '', mKid = null, mAreas = null;
const en = () => document.documentElement.lang === 'en';
const bts = (p) => '/api/v1/bts/facilities/' + encodeURIComponent(fcode) + p;
const dec = (z) => en() ? z.toFixed(2) : z.toFixed(2).replace('.', ',');
const days = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / 86400000);
// mDay shows a yyyy-mm-dd date for people.
const mDay = (d) => new Date(d + 'T12:00:00Z').toLocaleDateString(en() ? 'en-GB' : 'id-ID', {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'});

function mError(id, msg) {
  const e = $(id + '-error'), el = $(id);
  e.textContent = msg || '';
  e.hidden = !msg;
  // A group marks each of its text inputs (the blood pressure, the other
  // risks); radios and check boxes have only the group's error line.
  const els = el.tagName === 'FIELDSET' ? el.querySelectorAll('input:not([type=radio]):not([type=checkbox])') :
    el.tagName === 'INPUT' || el.tagName === 'SELECT' ? [el] : [];
  for (const x of els) {
    if (msg) {
      x.setAttribute('aria-invalid', 'true');
      x.setAttribute('aria-errormessage', id + '-error');
      x.setAttribute('aria-describedby', id + '-error'); // read out by more screen readers than aria-errormessage
    } else {
      x.removeAttribute('aria-invalid');
      x.removeAttribute('aria-describedby');
    }
  }
}

function mNoErrors(fields, form) { for (const id of [...Object.values(fields), form]) mError(id, ''); }

// mNumbers reads the decimal inputs of fields (API name: input id) into
// body. It shows the error and returns false when one is not a number.
function mNumbers(fields, body) {
  for (const f in fields) {
    const s = $(fields[f]).value.trim().replace(',', '.');
    if (!s) continue;
    body[f] = Number(s);
    if (!isFinite(body[f])) { mError(fields[f], t('con.m.err.number')); $(fields[f]).focus(); return false; }
  }
  return true;
}

// mShow puts an API error under the input of the field it names (or on
// the form's own line) and focuses that input. English pages translate
// the fields they know from the keys prefix + field (default con.m.err.).
function mShow(err, fields, form, prefix) {
  if (mFailed(err)) return;
  // The API writes Indonesian; English pages translate the rules of the
  // fields they know, and a NIK already registered in general terms.
  const id = fields[err.field] || form,
    key = (prefix || 'con.m.err.') + (err.code === 'conflict' && err.field === 'nik' ? 'nik_taken' : err.field);
  mError(id, en() && t(key) !== key ? t(key) : err.message);
  if (id === form) return;
  const el = $(id);
  (el.tagName === 'FIELDSET' ? el.querySelector('input:checked') || el.querySelector('input') : el).focus();
}

function mEmpty() {
  for (const id of Object.values(M_NUMS)) $(id).value = '';
  $('m-oedema').checked = false;
  mNoErrors(M_FIELDS, 'm-form');
}

function mReset() {
  mKid = null;
  $('m-q').value = '';
  $('m-found').textContent = '';
  $('m-kids').replaceChildren();
  $('m-form').hidden = true;
  $('m-result').hidden = true;
  mEnrolHide();
  mEmpty();
  mRegClose();
}

function mFailed(err) {
  if (err.status === 401) { showLogin(); return true; }
  return false;
}

// Answers that arrive after the current ticket changed belong to the
// previous visit: the handlers below note the visit before they wait and
// drop what comes back for another one.

$('m-find').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const visit = mTicket;
  let kids;
  try { kids = await api('GET', bts('/children?q=' + encodeURIComponent($('m-q').value.trim()))); } catch (err) {
    if (visit === mTicket && !mFailed(err)) $('m-found').textContent = err.message;
    return;
  }
  if (visit !== mTicket) return;
  $('m-found').textContent = !kids.length ? t('con.m.none') + ' ' + t('con.m.reg.hint') :
    kids.length > 10 ? t('con.m.more', {n: kids.length}) : kids.length === 1 ? t('con.m.found.one') : t('con.m.found', {n: kids.length});
  mKids(kids.slice(0, 10));
  // Nobody found: the child is new here; register it right away.
  if (kids.length) mRegClose(); else mRegOpen(false);
});

function mKids(kids) {
  $('m-kids').replaceChildren(...kids.map((k) => h('li', {},
    h('button', {type: 'button', class: 'm-kid', 'data-id': k.id, 'aria-pressed': 'false', onclick: () => pick(k)},
      h('b', {}, k.name), ' ' + t('con.m.kid', {sex: t('con.m.sex.' + k.sex), born: mDay(k.birth_date)}) +
      (k.mother_name ? ' · ' + t('con.m.mother', {name: k.mother_name}) : '')))));
}

function pick(k) {
  mKid = k;
  for (const b of $('m-kids').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.id === String(k.id)));
  $('m-child').textContent = t('con.m.for', {name: k.name, code: mine ? mine.code : ''});
  // Under two years a child is measured lying, from two standing (bts.md).
  $(days(k.birth_date, dayIn(facility.timezone)) < 731 ? 'm-lying' : 'm-standing').checked = true;
  mEmpty();
  mRegClose();
  $('m-result').hidden = true;
  mEnrolHide();
  $('m-form').hidden = false;
  $('m-weight').focus();
}

$('m-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!mine || !mKid) return;
  mNoErrors(M_FIELDS, 'm-form');
  const body = {measure: document.querySelector('input[name=m-measure]:checked').value, oedema: $('m-oedema').checked, ticket_id: mine.id};
  if (!mNumbers(M_NUMS, body)) return;
  const kid = mKid, code = mine.code, visit = mTicket;
  $('m-save').disabled = true;
  try {
    const m = await api('POST', bts('/children/' + encodeURIComponent(kid.id) + '/measurements'), body);
    if (visit === mTicket) { mEmpty(); mResult(kid, code, m); mEligible(kid, visit); }
  } catch (err) {
    if (visit === mTicket) mShow(err, M_FIELDS, 'm-form');
  }
  $('m-save').disabled = false;
});

// Registering a child that the search did not find, then measuring it.

// mRegOpen shows the registration form, the search text taken as the
// name (or as the NIK when it is all digits); focus moves there when
// staff asked for the form.
async function mRegOpen(focus) {
  const q = $('m-q').value.trim();
  for (const id of Object.values(R_TEXTS)) $(id).value = '';
  for (const r of document.querySelectorAll('input[name=m-sex]')) r.checked = false;
  for (const id of Object.values(R_NUMS)) $(id).value = '';
  mNoErrors(R_FIELDS, 'm-reg');
  $(/^\d+$/.test(q) ? 'm-nik' : 'm-name').value = q;
  $('m-born').max = dayIn(facility.timezone);
  $('m-form').hidden = true;
  $('m-result').hidden = true;
  mEnrolHide();
  $('m-reg').hidden = false;
  $('m-new').hidden = true;
  if (focus) $('m-name').focus();
  await mDesas('m', 'm-reg');
}

function mRegClose() {
  $('m-reg').hidden = true;
  $('m-new').hidden = false;
}

// mPosyandu offers the posyandu of the desa chosen in the form whose ids
// start with pre (m or p).
function mPosyandu(pre) {
  const d = (mAreas || []).find((x) => x.code === $(pre + '-desa').value);
  $(pre + '-posyandu').replaceChildren(h('option', {value: ''}, t('con.m.posyandu.none')),
    ...(d ? d.posyandu : []).map((p) => h('option', {value: p.id}, p.name)));
}

// mDesas loads the facility's areas once and offers them in the form
// whose ids start with pre; false when they could not be read (the error
// is on the form's line).
async function mDesas(pre, form) {
  try {
    mAreas = mAreas || await api('GET', bts('/areas'));
  } catch (err) {
    if (!mFailed(err)) mError(form, err.message);
    return false;
  }
  $(pre + '-desa').replaceChildren(h('option', {value: ''}, t('con.m.desa.choose')), ...mAreas.map((d) => h('option', {value: d.code}, d.name)));
  mPosyandu(pre);
  return true;
}

$('m-new').addEventListener('click', () => mRegOpen(true));
$('m-reg-cancel').addEventListener('click', () => { mRegClose(); $('m-new').focus(); });
$('m-desa').addEventListener('change', () => mPosyandu('m'));

$('m-reg').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  mNoErrors(R_FIELDS, 'm-reg');
  const sex = document.querySelector('input[name=m-sex]:checked');
  const body = {sex: sex ? sex.value : ''};
  for (const f in R_TEXTS) body[f] = $(R_TEXTS[f]).value.trim();
  body.posyandu_id = Number(body.posyandu_id) || 0;
  // The console asks for the mother's name: it is how a child is found again.
  if (!body.mother_name) { mError('m-mother', t('con.m.err.mother')); $('m-mother').focus(); return; }
  if (!mNumbers(R_NUMS, body)) return;
  const visit = mTicket;
  $('m-reg-save').disabled = true;
  try {
    const k = await api('POST', bts('/children'), body);
    if (visit !== mTicket) return; // registered; the next visit finds the child by search
    $('m-q').value = k.name;
    $('m-found').textContent = t('con.m.reg.saved', {name: k.name});
    mKids([k]);
    pick(k);
  } catch (err) {
    if (visit !== mTicket) return;
    // A NIK registered before: the API says where (Indonesian); English pages say it in general.
    if (err.status === 409 && err.field === 'nik') { mError('m-nik', en() ? t('con.m.reg.dup') : err.message); $('m-nik').focus(); } else mShow(err, R_FIELDS, 'm-reg');
  } finally {
    $('m-reg-save').disabled = false;
  }
});

function mResult(kid, code, m) {
  const young = m.age_days < 731;
  const ix = (k) => t('con.m.ix.' + ({tbu: young ? 'pbu' : 'tbu', bbtb: young ? 'bbpb' : 'bbtb'}[k] || k));
  const cat = (c) => { if (!c) return '–'; const k = 'con.m.cat.' + c.replace(/ /g, '_'); return t(k) === k ? c : t(k); };
  const flagged = M_INDICES.filter((x) => m[x[2]]).map((x) => ix(x[0]));
  $('m-result').replaceChildren(
    // Only the line that says it is saved is announced; the table is read on request.
    h('p', {class: 'm-saved', role: 'status'}, t('con.m.saved', {name: kid.name, code, months: m.age_months, days: m.age_days})),
    h('table', {}, h('caption', {}, t('con.m.result')),
      h('thead', {}, h('tr', {}, ...['con.m.index', 'con.m.z', 'con.m.category'].map((k) => h('th', {scope: 'col'}, t(k))))),
      h('tbody', {}, ...M_INDICES.map(([c, z, f]) => h('tr', {'data-index': c, class: m[f] ? 'm-flagged' : null},
        h('th', {scope: 'row'}, ix(c) + (m[f] ? ' ⚠' : '')), h('td', {class: 'm-z'}, m[z] == null ? '–' : dec(m[z])),
        h('td', {class: 'm-cat'}, cat(m[c])))))),
    flagged.length ? h('p', {class: 'msg', role: 'alert'}, t('con.m.flag', {list: flagged.join(', ')})) : '',
    m.oedema ? h('p', {class: 'm-note'}, t('con.m.oedema.note')) : '');
  $('m-result').hidden = false;
}

// --- Enrolling the measured child in the intervention when the latest
// measurement makes it eligible (the API's suggestion) and it is not
// enrolled already. The nutritionist decides; the console only offers.

// The enrolment forms of both sections share their ids after a section
// letter (m: child, p: pregnant woman): m-e-start, p-e-start, ….
const eFields = (s) => ({start: s + '-e-start', end: s + '-e-end', allowance_rp: s + '-e-allowance', cadre: s + '-e-cadre', supplier: s + '-e-supplier'});
// The defaults of bts.Enrolment.Normalize (docs/bts.md): a year, Rp 15,000 a day.
const E_DAYS = 365, E_ALLOWANCE = 15000;
let mSug = null, mCadres = null;
const target = (x) => { const k = 'con.m.e.target.' + x; return t(k) === k ? x : t(k); };

// plusDays adds n days to a yyyy-mm-dd date.
function plusDays(d, n) {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, day + n)).toISOString().slice(0, 10);
}

// eHide hides section s's offer of enrolment.
function eHide(s) {
  $(s + '-enrol').hidden = true;
  $(s + '-e-form').hidden = true;
  $(s + '-e-done').hidden = true;
  $(s + '-e-open').setAttribute('aria-expanded', 'false');
}

function mEnrolHide() {
  mSug = null;
  eHide('m');
}

// eState shows in section s that the target is enrolled already (on, an
// enrolment), or offers enrolment (offer), or shows an error (msg).
function eState(s, on, offer, msg) {
  $(s + '-elig').textContent = on ? t('con.m.e.enrolled', {target: target(on.target_type), start: mDay(on.start), end: mDay(on.end)}) : msg || '';
  $(s + '-elig').hidden = !on && !msg;
  $(s + '-e-open').hidden = !offer;
  $(s + '-enrol').hidden = false;
}

// enrolments reads the facility's enrolments running today or later and
// returns the first for which which(e) holds, or null.
async function enrolments(which) {
  const today = dayIn(facility.timezone);
  // Enrolments still running or yet to start: those ending today or later.
  const es = await api('GET', bts('/enrolments?from=' + today + '&to=' + plusDays(today, 5 * 365)));
  return es.find((e) => which(e) && (!e.exited_on || e.exited_on > today)) || null;
}

// mEligible reads the child's suggestion and enrolments after a
// measurement and offers enrolment when it fits.
async function mEligible(kid, visit) {
  mEnrolHide();
  let c, on;
  try {
    [c, on] = await Promise.all([api('GET', bts('/children/' + encodeURIComponent(kid.id))), enrolments((e) => e.child_id === kid.id)]);
  } catch (err) {
    if (visit === mTicket && kid === mKid && !mFailed(err)) eState('m', null, false, err.message);
    return;
  }
  if (visit !== mTicket || kid !== mKid) return;
  if (on) {
    eState('m', on, false);
  } else if (c.suggestion) {
    mSug = c.suggestion;
    eState('m', null, true, t('con.m.e.eligible', {target: target(mSug.target_type), reason: mSug.reason}));
  }
}

// eOpen shows section s's enrolment form with the defaults, and the
// facility's cadres to choose from.
async function eOpen(s) {
  const today = dayIn(facility.timezone), e = (x) => $(s + '-e-' + x);
  mNoErrors(eFields(s), s + '-e-form');
  e('start').value = today;
  e('end').value = plusDays(today, E_DAYS - 1); // both days included
  e('end').dataset.auto = 'y'; // the end follows the start until staff set it themselves
  e('allowance').value = String(E_ALLOWANCE);
  e('supplier').value = '';
  e('form').hidden = false;
  e('open').setAttribute('aria-expanded', 'true');
  e('start').focus();
  const visit = mTicket;
  try {
    mCadres = mCadres || await api('GET', bts('/cadres'));
  } catch (err) {
    if (visit === mTicket && !mFailed(err)) mError(s + '-e-form', err.message);
    return;
  }
  if (visit !== mTicket) return;
  const was = e('cadre').value;
  e('cadre').replaceChildren(h('option', {value: ''}, t('con.m.e.cadre.none')),
    ...mCadres.map((k) => h('option', {value: k.username}, k.username)));
  e('cadre').value = mCadres.some((k) => k.username === was) ? was : '';
}

function eClose(s) {
  $(s + '-e-form').hidden = true;
  $(s + '-e-open').setAttribute('aria-expanded', 'false');
  $(s + '-e-open').focus();
}

// eBody reads section s's enrolment form for a target of suggestion sug;
// null, with the error shown, when the allowance is not in rupiah.
function eBody(s, sug) {
  const e = (x) => $(s + '-e-' + x);
  mNoErrors(eFields(s), s + '-e-form');
  const rp = e('allowance').value.trim().replace(/[.\s]/g, ''); // 15.000 is how rupiah are written
  if (!/^-?\d*$/.test(rp)) { mError(s + '-e-allowance', t('con.m.err.rupiah')); e('allowance').focus(); return null; }
  return {target_type: sug.target_type, reason: sug.reason, start: e('start').value, end: e('end').value,
    allowance_rp: Number(rp) || 0, cadre: e('cadre').value, supplier: e('supplier').value.trim()};
}

// eDone shows the stored enrolment in place of section s's offer.
function eDone(s, e) {
  $(s + '-e-form').hidden = true;
  $(s + '-e-open').hidden = true;
  $(s + '-elig').hidden = true;
  $(s + '-e-done').textContent = t('con.m.e.done', {target: target(e.target_type), start: mDay(e.start), end: mDay(e.end),
    cadre: e.cadre || t('con.m.e.nocadre')});
  $(s + '-e-done').hidden = false;
  $(s + '-e-done').focus();
}

for (const s of ['m', 'p']) {
  $(s + '-e-cancel').addEventListener('click', () => eClose(s));
  // The end follows the start until staff set it themselves.
  $(s + '-e-start').addEventListener('change', () => {
    if ($(s + '-e-end').dataset.auto && $(s + '-e-start').value) $(s + '-e-end').value = plusDays($(s + '-e-start').value, E_DAYS - 1);
  });
  $(s + '-e-end').addEventListener('input', () => { delete $(s + '-e-end').dataset.auto; });
}
// eBind wires section s's enrolment offer: sug and who read the section's
// suggestion and target (the child or the woman), idField names the target
// in the request, and clearSug forgets the suggestion once enrolled.
function eBind(s, sug, who, idField, clearSug) {
  $(s + '-e-open').addEventListener('click', () => sug() && eOpen(s));
  $(s + '-e-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const x = who(), g = sug();
    if (!g || !x) return;
    const body = eBody(s, g);
    if (!body) return;
    body[idField] = x.id;
    const visit = mTicket;
    $(s + '-e-save').disabled = true;
    try {
      const e = await api('POST', bts('/enrolments'), body);
      if (visit !== mTicket || x !== who()) return; // enrolled; the section says so next time
      clearSug();
      eDone(s, e);
    } catch (err) {
      if (visit === mTicket && x === who()) mShow(err, eFields(s), s + '-e-form');
    } finally {
      $(s + '-e-save').disabled = false;
    }
  });
}
eBind('m', () => mSug, () => mKid, 'child_id', () => { mSug = null; });

// --- Pregnant women (BTS) at this visit: find her or register her, see
// her weeks of gestation and the bumil-risti suggestion with its reasons,
// and enrol her when she is eligible and not enrolled yet. Answers that
// arrive for another visit (mTicket) or woman (pWoman) are dropped.

// The units whose staff see pregnant women: the section opens by itself there.
const PREGNANCY_UNITS = /^KIA$/i;
// The API's field names and the registration form's inputs
// (bts.Pregnancy.Validate names these fields). The API names "systolic"
// for any implausible blood pressure: both halves share one error line.
const P_TEXTS = {name: 'p-name', nik: 'p-nik', birth_date: 'p-born', hpht: 'p-hpht', desa: 'p-desa',
  posyandu_id: 'p-posyandu', rt: 'p-rt', rw: 'p-rw', address: 'p-street', poor_basis: 'p-poor'};
const P_NUMS = {height_cm: 'p-height', lila_cm: 'p-lila', hb_g_dl: 'p-hb'};
const P_INTS = {gravida: 'p-gravida', parity: 'p-parity', systolic: 'p-sys', diastolic: 'p-dia'};
const P_FIELDS = Object.assign({}, P_TEXTS, P_NUMS, P_INTS, {systolic: 'p-bp', diastolic: 'p-bp', risks: 'p-risks'});
// The reasons bts.Pregnancy.RiskReasons writes, and the risks the form
// records, as English pages name them (con.p.why.*).
const P_WHY = {'usia < 20 tahun': 'young', 'usia > 35 tahun': 'old', 'paritas >= 4': 'parity', 'tinggi < 145 cm': 'short',
  'KEK (LiLA < 23,5 cm)': 'kek', 'anemia (Hb < 11 g/dL)': 'anaemia', 'hipertensi': 'hypertension',
  'riwayat obstetri buruk': 'obstetri', 'penyakit kronis': 'kronis', 'jarak kehamilan < 2 tahun': 'jarak', 'kehamilan ganda': 'ganda'};
// The usual length of a pregnancy from the HPHT (Naegele): the due date.
const P_TERM_DAYS = 280;
let pWoman = null, pSug = null;

// why writes a suggestion's reasons in the page's language; reasons it
// does not know (recorded by a midwife) stay as written.
const why = (reason) => !en() ? reason : reason.split(', ').map((x) => P_WHY[x] ? t('con.p.why.' + P_WHY[x]) : x).join(', ');

// years is the age in completed years on day of someone born on born.
function years(born, day) {
  const [by, bm, bd] = born.split('-').map(Number), [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

function pReset() {
  pWoman = null;
  $('p-q').value = '';
  $('p-found').textContent = '';
  $('p-list').replaceChildren();
  pUnpick();
  pRegClose();
}

function pUnpick() {
  pWoman = null;
  pSug = null;
  $('p-info').hidden = true;
  eHide('p');
}

$('p-find').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const visit = mTicket;
  let ws;
  try { ws = await api('GET', bts('/pregnancies?q=' + encodeURIComponent($('p-q').value.trim()))); } catch (err) {
    if (visit === mTicket && !mFailed(err)) $('p-found').textContent = err.message;
    return;
  }
  if (visit !== mTicket) return;
  $('p-found').textContent = !ws.length ? t('con.p.none') + ' ' + t('con.p.reg.hint') :
    ws.length > 10 ? t('con.p.more', {n: ws.length}) : ws.length === 1 ? t('con.p.found.one') : t('con.p.found', {n: ws.length});
  pUnpick();
  pList(ws.slice(0, 10));
  // Nobody found: she is new here; register her right away.
  if (ws.length) pRegClose(); else pRegOpen(false);
});

const pWeeks = (w) => w.hpht ? t('con.p.weeks', {n: w.gestational_weeks}) : t('con.p.nohpht');

function pList(ws) {
  $('p-list').replaceChildren(...ws.map((w) => h('li', {},
    h('button', {type: 'button', class: 'm-kid', 'data-id': w.id, 'aria-pressed': 'false', onclick: () => pPick(w)},
      h('b', {}, w.name), ' · ' + pWeeks(w) + (w.desa_name ? ' · ' + w.desa_name : '') + ' ',
      w.suggestion ? h('span', {class: 'badge'}, t('con.p.risti')) : null))));
}

function pPick(w) {
  pWoman = w;
  for (const b of $('p-list').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.id === String(w.id)));
  pRegClose();
  const today = dayIn(facility.timezone);
  $('p-who').textContent = t('con.p.for', {name: w.name, code: mine ? mine.code : ''});
  $('p-weeks').textContent = w.hpht ? t('con.p.weeks.long', {n: w.gestational_weeks, hpht: mDay(w.hpht), hpl: mDay(plusDays(w.hpht, P_TERM_DAYS))}) :
    t('con.p.nohpht');
  $('p-facts').textContent = [w.birth_date ? t('con.p.age', {n: years(w.birth_date, today)}) : '',
    w.gravida ? t('con.p.gp', {g: w.gravida, p: w.parity}) : ''].filter(Boolean).join(' · ');
  $('p-facts').hidden = !$('p-facts').textContent;
  $('p-sug').textContent = w.suggestion ? t('con.p.sug', {reason: why(w.suggestion.reason)}) : t('con.p.nosug');
  $('p-sug').className = w.suggestion ? 'm-elig' : 'm-note';
  $('p-info').hidden = false;
  pEligible(w, mTicket);
}

// pEligible says whether the woman is enrolled already, or offers
// enrolment when the suggestion says she is a bumil risti.
async function pEligible(w, visit) {
  pSug = null;
  eHide('p');
  let on;
  try { on = await enrolments((e) => e.pregnancy_id === w.id); } catch (err) {
    if (visit === mTicket && w === pWoman && !mFailed(err)) eState('p', null, false, err.message);
    return;
  }
  if (visit !== mTicket || w !== pWoman) return;
  if (on) eState('p', on, false);
  else if (w.suggestion) { pSug = w.suggestion; eState('p', null, true, t('con.p.e.offer')); }
  $('p-enrol').dataset.checked = String(w.id); // whom the section has decided for
}

eBind('p', () => pSug, () => pWoman, 'pregnancy_id', () => { pSug = null; });

// Registering a pregnant woman that the search did not find.

// pRegOpen shows the registration form, the search text taken as the
// name (or as the NIK when it is all digits); focus moves there when
// staff asked for the form.
async function pRegOpen(focus) {
  const q = $('p-q').value.trim(), today = dayIn(facility.timezone);
  for (const id of [...Object.values(P_TEXTS), ...Object.values(P_NUMS), ...Object.values(P_INTS), 'p-risk-other']) $(id).value = '';
  for (const c of document.querySelectorAll('input[name=p-risk]')) c.checked = false;
  mNoErrors(P_FIELDS, 'p-reg');
  $(/^\d+$/.test(q) ? 'p-nik' : 'p-name').value = q;
  $('p-born').max = today;
  $('p-hpht').max = today;
  $('p-hpht').min = plusDays(today, -300); // bts.Pregnancy.Validate
  pUnpick();
  $('p-reg').hidden = false;
  $('p-new').hidden = true;
  if (focus) $('p-name').focus();
  await mDesas('p', 'p-reg');
}

function pRegClose() {
  $('p-reg').hidden = true;
  $('p-new').hidden = false;
}

$('p-new').addEventListener('click', () => pRegOpen(true));
$('p-reg-cancel').addEventListener('click', () => { pRegClose(); $('p-new').focus(); });
$('p-desa').addEventListener('change', () => mPosyandu('p'));

// pRisks lists the risks recorded: the boxes ticked and the others typed,
// separated by semicolons (a comma is a decimal point here).
function pRisks() {
  const r = [...document.querySelectorAll('input[name=p-risk]:checked')].map((c) => c.value);
  for (const x of $('p-risk-other').value.split(';')) if (x.trim() && !r.includes(x.trim())) r.push(x.trim());
  return r;
}

// pInts reads the whole-number inputs into body; it shows the error and
// returns false when one is not a whole number.
function pInts(body) {
  for (const f in P_INTS) {
    const el = $(P_INTS[f]), s = el.value.trim();
    if (!s) continue;
    if (!/^\d{1,3}$/.test(s)) { mError(P_FIELDS[f], t('con.p.err.int')); el.focus(); return false; }
    body[f] = Number(s);
  }
  return true;
}

$('p-reg').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  mNoErrors(P_FIELDS, 'p-reg');
  const body = {risks: pRisks()};
  for (const f in P_TEXTS) body[f] = $(P_TEXTS[f]).value.trim();
  body.posyandu_id = Number(body.posyandu_id) || 0;
  if (!mNumbers(P_NUMS, body) || !pInts(body)) return;
  const visit = mTicket;
  $('p-reg-save').disabled = true;
  try {
    const w = await api('POST', bts('/pregnancies'), body);
    if (visit !== mTicket) return; // registered; the next visit finds her by search
    $('p-q').value = w.name;
    $('p-found').textContent = t('con.p.reg.saved', {name: w.name});
    pList([w]);
    pPick(w);
  } catch (err) {
    if (visit === mTicket) mShow(err, P_FIELDS, 'p-reg', 'con.p.err.');
  } finally {
    $('p-reg-save').disabled = false;
  }
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
