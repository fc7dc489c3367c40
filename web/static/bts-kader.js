// The cadre's phone page (/kader): the day's delivery report with its
// photo. Each report gets an id made here before the first try; a try that
// fails on the network is repeated with the same id, so the server keeps
// exactly one report however many tries reach it.
import {t, $, h, api} from './common.js';
import {pageSession} from './staff.js';

pageSession();

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
if (form) {
  let clientID = sessionStorage.getItem('bts.pending') || newClientID();
  const status = $('status');
  const say = (text, cls) => { status.textContent = text; status.className = cls || ''; };

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

  // send posts the report, again after each network failure (an answer
  // from the server, even a refusal, ends the tries).
  async function send(body) {
    let last;
    for (const delay of [0, 2000, 5000, 10000, 20000]) {
      if (delay) {
        say(t('bts.k.retrying'));
        await new Promise((r) => setTimeout(r, delay));
      }
      try {
        return await api('POST', '/api/v1/bts/facilities/' + encodeURIComponent(form.dataset.facility) + '/deliveries', body);
      } catch (err) {
        if (err.status) throw err;
        last = err;
      }
    }
    throw last;
  }

  // sent puts the stored report on top of the recent ones.
  function sent(d) {
    const empty = $('recent').querySelector('.note');
    if (empty) empty.remove();
    $('recent').prepend(h('li', {}, d.date + ' · ' + t('bts.eat.' + d.consumption) + ' · Rp ' + rupiah(d.total_rp) + ' · ',
      h('span', {class: 'status-' + d.status}, t('bts.status.' + d.status)), d.late ? ' · ' + t('bts.late') : ''));
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const photo = $('photo').files[0];
    const list = items();
    if (!$('target').value) { say(t('bts.k.err.target'), 'error'); return; }
    if (!list.length) { say(t('bts.k.err.items'), 'error'); return; }
    if (!photo) { say(t('bts.k.err.photo'), 'error'); return; }
    sessionStorage.setItem('bts.pending', clientID);
    const body = new FormData();
    body.set('client_id', clientID);
    body.set('enrolment_id', $('target').value);
    body.set('date', $('date').value);
    body.set('items', JSON.stringify(list));
    body.set('consumption', form.querySelector('input[name="consumption"]:checked').value);
    body.set('notes', $('notes').value);
    body.set('photo', photo);
    $('send').disabled = true;
    say(t('bts.k.sending'));
    try {
      sent(await send(body));
      say(t('bts.k.sent'), 'ok');
      sessionStorage.removeItem('bts.pending');
      clientID = newClientID();
      form.reset();
      $('date').value = $('date').max;
    } catch (err) {
      say(!err.status ? t('bts.k.offline') : err.body && err.body.error ? err.message : t('bts.k.refused'), 'error');
    } finally {
      $('send').disabled = false;
    }
  });
}
