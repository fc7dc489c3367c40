// The console's BTS sections (templates/console.html, #m and #p): at a
// visit to a unit whose staff measure children or see pregnant women, find
// or register the child or the woman, measure the child, and enrol either
// in the intervention when the server suggests it. The rules of BTS come
// from the server, in the page's data (#data, consoleRules in
// web/btspages.go); console.js tells this module the facility, the unit and
// the current ticket (the visit).
import {t, $, h, api, dayIn} from './common.js';
import {showLogin} from './staff.js';

const rules = JSON.parse($('data').textContent);
let fcode = '', facility = null, mine = null;

// btsStart sets the facility (its code, and the answer of
// /api/v1/facilities/:facility) the sections work for.
export function btsStart(code, f) {
  fcode = code;
  facility = f;
}

// btsUnit opens each section by itself on the units whose staff use it.
export function btsUnit(unit) {
  $('m').open = rules.child_units.includes(unit);
  $('p').open = rules.pregnancy_units.includes(unit);
}

// btsVisit shows the sections while there is a current ticket; a new
// current ticket is a new visit, which forgets the child, the woman and
// the results.
export function btsVisit(ticket) {
  mine = ticket;
  $('m').hidden = !mine;
  $('p').hidden = !mine;
  if ((mine ? mine.id : '') !== mTicket) {
    mTicket = mine ? mine.id : '';
    mReset();
    pReset();
  }
}

// --- Measuring a child at this visit, linked to the current ticket.

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
  regClose('m');
}

function mFailed(err) {
  if (err.status === 401) { showLogin(); return true; }
  return false;
}

// Answers that arrive after the current ticket changed belong to the
// previous visit: the handlers below note the visit before they wait and
// drop what comes back for another one.

// search wires section s's search (s-find, s-q, s-found) of the
// registry at path: it says how many match in the messages of prefix
// (con.m. or con.p.), calls clear, lists the first ten with list, and
// opens the registration form (open) when nobody matches, closes it
// (close) otherwise: somebody not found is new here.
// Only the latest search's answer is shown: an earlier one that answers
// late (a query corrected and sent again) would list other people, or
// open the registration form for somebody who is registered.
function search(s, path, prefix, clear, list, open, close) {
  let asked = 0;
  $(s + '-find').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const visit = mTicket, n = ++asked;
    const stale = () => visit !== mTicket || n !== asked;
    let found;
    try { found = await api('GET', bts(path + '?q=' + encodeURIComponent($(s + '-q').value.trim()))); } catch (err) {
      if (!stale() && !mFailed(err)) $(s + '-found').textContent = err.message;
      return;
    }
    if (stale()) return;
    const count = found.length;
    $(s + '-found').textContent = !count ? t(prefix + 'none') + ' ' + t(prefix + 'reg.hint') :
      count > 10 ? t(prefix + 'more', {n: count}) : count === 1 ? t(prefix + 'found.one') : t(prefix + 'found', {n: count});
    clear();
    list(found.slice(0, 10));
    if (count) close(); else open(false);
  });
}
search('m', '/children', 'con.m.', () => {}, mKids, mRegOpen, () => regClose('m'));

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
  $(days(k.birth_date, dayIn(facility.timezone)) < rules.standing_from_days ? 'm-lying' : 'm-standing').checked = true;
  mEmpty();
  regClose('m');
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
  await regShow('m', focus);
}

// regShow shows section s's registration form (focused when staff asked
// for it) with the facility's areas to choose from; regClose hides it.
async function regShow(s, focus) {
  $(s + '-reg').hidden = false;
  $(s + '-new').hidden = true;
  if (focus) $(s + '-name').focus();
  await mDesas(s, s + '-reg');
}

function regClose(s) {
  $(s + '-reg').hidden = true;
  $(s + '-new').hidden = false;
}

// regBind wires section s's buttons that open and cancel its registration
// form (open fills and shows it), and its choice of desa.
function regBind(s, open) {
  $(s + '-new').addEventListener('click', () => open(true));
  $(s + '-reg-cancel').addEventListener('click', () => { regClose(s); $(s + '-new').focus(); });
  $(s + '-desa').addEventListener('change', () => mPosyandu(s));
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

regBind('m', mRegOpen);

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
  const young = m.age_days < rules.standing_from_days;
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
  e('end').value = plusDays(today, rules.enrol_days - 1); // both days included
  e('end').dataset.auto = 'y'; // the end follows the start until staff set it themselves
  e('allowance').value = String(rules.allowance_rp);
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
    if ($(s + '-e-end').dataset.auto && $(s + '-e-start').value) $(s + '-e-end').value = plusDays($(s + '-e-start').value, rules.enrol_days - 1);
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

// --- Pregnant women at this visit: find her or register her, see
// her weeks of gestation and the bumil-risti suggestion with its reasons,
// and enrol her when she is eligible and not enrolled yet. Answers that
// arrive for another visit (mTicket) or woman (pWoman) are dropped.

// The API's field names and the registration form's inputs
// (bts.Pregnancy.Validate names these fields). The API names "systolic"
// for any implausible blood pressure: both halves share one error line.
const P_TEXTS = {name: 'p-name', nik: 'p-nik', birth_date: 'p-born', hpht: 'p-hpht', desa: 'p-desa',
  posyandu_id: 'p-posyandu', rt: 'p-rt', rw: 'p-rw', address: 'p-street', poor_basis: 'p-poor'};
const P_NUMS = {height_cm: 'p-height', lila_cm: 'p-lila', hb_g_dl: 'p-hb'};
const P_INTS = {gravida: 'p-gravida', parity: 'p-parity', systolic: 'p-sys', diastolic: 'p-dia'};
const P_FIELDS = Object.assign({}, P_TEXTS, P_NUMS, P_INTS, {systolic: 'p-bp', diastolic: 'p-bp', risks: 'p-risks'});
// The code of each known reason of a bumil-risti suggestion, by the text
// the server writes it in.
const RISK = Object.fromEntries(rules.risks.map((r) => [r.text, r.code]));
let pWoman = null, pSug = null;

// why writes a suggestion's reasons in the page's language (con.p.why.*);
// reasons it does not know (recorded as text by a midwife) stay as written.
const why = (reason) => reason.split(', ').map((x) => RISK[x] ? t('con.p.why.' + RISK[x]) : x).join(', ');

// years is the age in completed years on day of someone born on born.
function years(born, day) {
  const [by, bm, bd] = born.split('-').map(Number), [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

function pReset() {
  pWoman = null;
  $('p-q').value = '';
  $('p-found').textContent = '';
  $('p-kids').replaceChildren();
  pUnpick();
  regClose('p');
}

function pUnpick() {
  pWoman = null;
  pSug = null;
  $('p-info').hidden = true;
  eHide('p');
}

search('p', '/pregnancies', 'con.p.', pUnpick, pList, pRegOpen, () => regClose('p'));

const pWeeks = (w) => w.hpht ? t('con.p.weeks', {n: w.gestational_weeks}) : t('con.p.nohpht');

function pList(ws) {
  $('p-kids').replaceChildren(...ws.map((w) => h('li', {},
    h('button', {type: 'button', class: 'm-kid', 'data-id': w.id, 'aria-pressed': 'false', onclick: () => pPick(w)},
      h('b', {}, w.name), ' · ' + pWeeks(w) + (w.desa_name ? ' · ' + w.desa_name : '') + ' ',
      w.suggestion ? h('span', {class: 'badge'}, t('con.p.risti')) : null))));
}

function pPick(w) {
  pWoman = w;
  for (const b of $('p-kids').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.id === String(w.id)));
  regClose('p');
  const today = dayIn(facility.timezone);
  $('p-who').textContent = t('con.p.for', {name: w.name, code: mine ? mine.code : ''});
  $('p-weeks').textContent = w.hpht ? t('con.p.weeks.long', {n: w.gestational_weeks, hpht: mDay(w.hpht), hpl: mDay(plusDays(w.hpht, rules.term_days))}) :
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
  $('p-hpht').min = plusDays(today, -rules.max_gestation_days); // bts.Pregnancy.Validate
  pUnpick();
  await regShow('p', focus);
}

regBind('p', pRegOpen);

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
