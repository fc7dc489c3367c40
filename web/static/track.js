// The tracking page: one ticket, live over its socket, kept on this phone.
import {t, $, api, live, waitText, dateText, savedTickets, saveTicket, forgetTicket, trackURL, qr, ACTIVE} from './common.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const saved = savedTickets().find((x) => x.id === id);
const token = location.hash.slice(1) || (saved && saved.token) || '';
let ticket = null, facility = null, lastSeq = 0, vibrated = -1, socket = null, poller = null;
// The ticket is read over HTTP (on load, when the socket comes back, when
// the page is shown again) while its socket pushes each change. A read is
// kept only if nothing newer (a socket message, a cancel's answer, a read
// asked after it) came or was asked while it was on its way: a read taken
// just before a call but answered after the socket's call would show the
// patient still waiting.
let changes = 0;

function unitName(code) {
  const u = facility && facility.units.find((x) => x.code === code);
  if (u) return u.name;
  return saved && saved.unit === code && saved.unit_name ? saved.unit_name : code;
}

function render() {
  const tk = ticket;
  const box = $('ticket');
  box.dataset.status = tk.status;
  $('t-facility').textContent = facility ? facility.name : '';
  $('t-code').textContent = tk.code;
  $('t-unit').textContent = unitName(tk.unit);
  $('t-date').textContent = dateText(tk.service_date);
  const waiting = tk.status === 'waiting';
  $('stats').hidden = !waiting;
  $('t-position').textContent = waiting && tk.position != null ? tk.position : '–';
  $('t-ahead').textContent = waiting && tk.ahead != null ? tk.ahead : '–';
  $('t-wait').textContent = waiting ? waitText(tk.estimated_wait_s) : '–';
  // The window is in the facility's own time: read it off the RFC 3339
  // text rather than converting to the phone's zone.
  const booked = tk.status === 'booked' || tk.status === 'no_show';
  const win = (waiting || booked) && tk.window_start && tk.window_end;
  $('stats').hidden = !waiting && !win;
  for (const k of ['t-position', 't-ahead', 't-wait']) $(k).parentElement.hidden = !waiting;
  $('t-window-row').hidden = !win;
  if (win) $('t-window').textContent = t('track.window.text', {from: tk.window_start.slice(11, 16).replace(':', '.'), to: tk.window_end.slice(11, 16).replace(':', '.')});
  let status = t('status.' + tk.status);
  if (tk.status === 'transferred' && tk.transferred_to_unit) status = t('status.transferred.to', {unit: unitName(tk.transferred_to_unit)});
  $('t-status').textContent = status;
  const alert = $('alert');
  alert.className = 'alert';
  if (tk.status === 'called') {
    alert.hidden = false;
    alert.classList.add('called');
    alert.textContent = t('track.called', {counter: tk.counter || unitName(tk.unit)});
    if (vibrated !== tk.call_count) {
      vibrated = tk.call_count;
      if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 800]);
    }
  } else if (waiting && tk.ahead != null && tk.ahead <= 2) {
    alert.hidden = false;
    alert.classList.add('near');
    alert.textContent = tk.ahead === 0 ? t('track.next') : t('track.near', {n: tk.ahead});
    if (vibrated !== -2 && navigator.vibrate) { vibrated = -2; navigator.vibrate(300); }
  } else if (tk.status === 'booked') {
    alert.hidden = false;
    alert.classList.add('checkin');
    alert.textContent = t('track.checkin');
  } else if (tk.status === 'no_show') {
    alert.hidden = false;
    alert.textContent = t('track.noshow');
  } else if (tk.status === 'serving') {
    alert.hidden = false;
    alert.textContent = t('track.serving');
  } else {
    alert.hidden = true;
  }
  $('cancel-box').hidden = tk.status !== 'waiting' && tk.status !== 'booked';
  // Before check-in the QR code is what she shows at the kiosk or desk.
  $('share-title').textContent = booked ? t('track.checkin.qr') : t('track.share');
  $('share-hint').textContent = booked ? t('track.checkin.qr.hint') : t('track.share.hint');
  $('share').classList.toggle('checkin', booked);
  document.title = tk.code + ' · ' + status;
  if (tk.status === 'transferred' && tk.transferred_to && tk.transferred_token) follow(tk);
  // A cancelled ticket is forgotten whoever cancelled it, and whichever
  // came first: the answer to this phone's own cancel or the socket's event.
  if (tk.status === 'cancelled') forgetTicket(tk.id);
  if (!ACTIVE.includes(tk.status)) stopLive();
}

// follow moves this phone to the ticket a transfer made in the next unit:
// the old ticket's answer carries the new ticket's token.
function follow(tk) {
  const next = {id: tk.transferred_to, token: tk.transferred_token, facility: tk.facility, unit: tk.transferred_to_unit,
    unit_name: unitName(tk.transferred_to_unit), code: '', service_date: tk.service_date};
  saveTicket(next);
  forgetTicket(tk.id);
  setTimeout(() => location.replace(trackURL(next.id, next.token)), 3000);
}

async function fetchTicket() {
  const since = ++changes; // a read asked after this one supersedes it
  try {
    const tk = await api('GET', '/api/v1/tickets/' + encodeURIComponent(id), undefined, {'X-Ticket-Token': token});
    net(true);
    if (changes !== since) return true;
    ticket = tk;
    render();
    return true;
  } catch (err) {
    if (err.status === 404) { missing(); return false; }
    net(false);
    return false;
  }
}

function missing() {
  $('ticket').hidden = true;
  $('share').hidden = true;
  $('cancel-box').hidden = true;
  $('missing').hidden = false;
  stopLive();
}

function net(up) {
  const n = $('net');
  n.hidden = up;
  n.textContent = up ? '' : t('net.offline');
  document.body.dataset.online = String(up);
}

function startLive() {
  socket = live(() => '/ws/tickets/' + encodeURIComponent(id) + '?token=' + encodeURIComponent(token), (m) => {
    const tk = m.ticket || (m.id ? m : null);
    if (!tk || tk.id !== id) return;
    if (m.seq && m.seq < lastSeq) return;
    if (m.seq) lastSeq = m.seq;
    changes++;
    ticket = tk;
    render();
  }, (up) => {
    net(up);
    // While the socket is down, ask now and then so the page never lies for long.
    clearInterval(poller);
    if (!up) poller = setInterval(fetchTicket, 20000);
    else fetchTicket();
  });
}

function stopLive() {
  if (socket) socket.close();
  socket = null;
  clearInterval(poller);
}

async function main() {
  if (!token) return missing();
  if (!(await fetchTicket())) {
    if ($('missing').hidden) setTimeout(main, 5000);
    return;
  }
  try { facility = await api('GET', '/api/v1/facilities/' + encodeURIComponent(ticket.facility)); } catch (err) { /* names later */ }
  // A ticket cancelled meanwhile (a quick tap while this was loading) stays forgotten.
  if (ACTIVE.includes(ticket.status)) {
    saveTicket({id, token, facility: ticket.facility, unit: ticket.unit, unit_name: unitName(ticket.unit), code: ticket.code, service_date: ticket.service_date});
  }
  render();
  const url = trackURL(id, token);
  const a = $('short');
  a.href = url;
  a.textContent = url.replace(/^https?:\/\//, '');
  qr($('qr'), url);
  if (ACTIVE.includes(ticket.status)) startLive();
}

$('copy').addEventListener('click', async () => {
  try { await navigator.clipboard.writeText($('short').href); $('copy').textContent = t('track.copied'); } catch (err) { /* select manually */ }
});
$('cancel').addEventListener('click', () => { $('confirm').hidden = false; $('cancel').hidden = true; $('cancel-yes').focus(); });
$('cancel-no').addEventListener('click', () => { $('confirm').hidden = true; $('cancel').hidden = false; $('cancel').focus(); });
$('cancel-yes').addEventListener('click', async () => {
  try {
    const tk = await api('DELETE', '/api/v1/tickets/' + encodeURIComponent(id), undefined, {'X-Ticket-Token': token});
    changes++;
    ticket = tk;
    render();
  } catch (err) {
    $('t-status').textContent = err.message;
  }
  $('confirm').hidden = true;
  $('cancel').hidden = false;
});
document.addEventListener('visibilitychange', () => { if (!document.hidden && ticket && ACTIVE.includes(ticket.status)) fetchTicket(); });
main();
