// Check-in from the patient's own phone: she scans the check-in poster at
// the entrance, which opens this page with its key; the tickets kept on
// this phone for that Puskesmas can then be checked in with one tap.
import {t, $, h, api, savedTickets, trackURL} from './common.js';

const params = new URLSearchParams(location.search);
const facility = params.get('facility') || '';
const place = params.get('k') || '';

function msg(text, bad) {
  const m = $('h-msg');
  m.hidden = !text;
  m.textContent = text || '';
  m.classList.toggle('error', !!bad);
}

async function checkIn(s, button) {
  button.disabled = true;
  msg('');
  try {
    const tk = await api('POST', '/api/v1/tickets/' + encodeURIComponent(s.id) + '/checkin', {place}, {'X-Ticket-Token': s.token});
    msg(t('hadir.done', {code: tk.code, n: tk.position || '–'}));
    setTimeout(() => location.assign(trackURL(s.id, s.token)), 2500);
  } catch (err) {
    msg(err.message, true);
    button.disabled = false;
  }
}

async function main() {
  const mine = savedTickets().filter((s) => s.facility === facility);
  const rows = [];
  for (const s of mine) {
    let tk;
    try { tk = await api('GET', '/api/v1/tickets/' + encodeURIComponent(s.id), undefined, {'X-Ticket-Token': s.token}); } catch (err) { continue; }
    if (tk.status !== 'booked' && tk.status !== 'no_show' && tk.status !== 'waiting') continue;
    const name = s.unit_name || tk.unit;
    if (tk.status === 'waiting') {
      rows.push(h('li', {}, h('b', {}, tk.code), ' · ' + name + ' · ' + t('hadir.already')));
      continue;
    }
    const b = h('button', {type: 'button', class: 'primary big', 'data-id': tk.id}, t('hadir.button', {code: tk.code}));
    b.addEventListener('click', () => checkIn(s, b));
    rows.push(h('li', {}, h('p', {}, h('b', {}, tk.code), ' · ' + name), b));
  }
  $('h-list').replaceChildren(...rows);
  $('h-none').hidden = rows.length > 0;
}

main();
