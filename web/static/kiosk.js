// The touch kiosk: one tap takes a number and prints it on the thermal
// printer through the browser's print dialog (58 or 80 mm: ?paper=58).
import {t, $, h, api, waitText, trackURL, qr} from './common.js';

const params = new URLSearchParams(location.search);
let code = params.get('facility') || '';
const paper = params.get('paper') === '58' ? 'p58' : 'p80';
// place is the facility's place key: the kiosk link from /admin carries it,
// and check-in needs it (a ticket's link alone is not proof of arrival).
const place = params.get('k') || '';
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
  $('ci-open').hidden = !place || !facility.units.some((u) => u.checkin_required);
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

// Check-in: the patient who booked from afar holds her phone's ticket (its
// QR code) to the kiosk camera. Where the browser reads QR codes itself
// (BarcodeDetector) the kiosk sends the link; elsewhere it sends camera
// frames for the server to read, a few a second, until one is read or the
// patient gives up.
let scan = null;

async function openCheckIn() {
  $('buttons').hidden = true;
  $('lead').hidden = true;
  $('ci-open').hidden = true;
  $('ci').hidden = false;
  $('ci-result').hidden = true;
  $('ci-text').textContent = '';
  const video = $('ci-video');
  video.hidden = false;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'user', width: {ideal: 640}}, audio: false});
  } catch (err) {
    $('ci-text').textContent = t('kiosk.ci.nocamera');
    return;
  }
  video.srcObject = stream;
  await video.play().catch(() => {});
  const detector = ('BarcodeDetector' in window) ? new window.BarcodeDetector({formats: ['qr_code']}) : null;
  const canvas = document.createElement('canvas');
  const started = Date.now();
  scan = {stream, busy: false, timer: null};
  scan.timer = setInterval(async () => {
    if (!scan || scan.busy || !video.videoWidth) return;
    if (Date.now() - started > 60000) { closeCheckIn(); return; }
    scan.busy = true;
    try {
      let res;
      if (detector) {
        const codes = await detector.detect(video);
        if (codes.length) res = await checkInPost('/checkin', JSON.stringify({code: codes[0].rawValue, place}), 'application/json');
      } else {
        const w = Math.min(640, video.videoWidth);
        canvas.width = w;
        canvas.height = Math.round(video.videoHeight * w / video.videoWidth);
        canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.85));
        res = await checkInPost('/checkin/scan?place=' + encodeURIComponent(place), blob, 'image/jpeg');
      }
      if (res) checkedIn(res);
    } catch (err) {
      // Refused (another day, another Puskesmas...): say why, and give
      // the patient a few seconds to read it before the next frame.
      $('ci-text').textContent = err.message;
      await new Promise((ok) => setTimeout(ok, 4000));
    }
    if (scan) scan.busy = false;
  }, 400);
}

// checkInPost sends a read code or a frame; it resolves to the ticket, or
// null when the frame held no QR code.
async function checkInPost(path, body, type) {
  const res = await fetch('/api/v1/facilities/' + encodeURIComponent(code) + path,
    {method: 'POST', body, headers: {'Content-Type': type, Accept: 'application/json'}, credentials: 'same-origin'});
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error((data && data.error && data.error.message) || t('err.network'));
  return data;
}

function checkedIn(tk) {
  stopScan();
  $('ci-video').hidden = true;
  $('ci-lead').textContent = t('kiosk.ci.welcome');
  $('ci-result').hidden = false;
  $('ci-result').textContent = tk.code;
  const u = facility.units.find((x) => x.code === tk.unit);
  $('ci-text').textContent = t('kiosk.ci.done', {unit: u ? u.name : tk.unit, n: tk.position || '–'});
  clearTimeout(resetTimer);
  resetTimer = setTimeout(closeCheckIn, 12000);
}

function stopScan() {
  if (!scan) return;
  clearInterval(scan.timer);
  scan.stream.getTracks().forEach((tr) => tr.stop());
  scan = null;
}

function closeCheckIn() {
  stopScan();
  $('ci').hidden = true;
  $('ci-lead').textContent = t('kiosk.ci.lead');
  reset();
}

$('ci-open').addEventListener('click', openCheckIn);
$('ci-close').addEventListener('click', closeCheckIn);
$('again').addEventListener('click', reset);
load();
tick();
setInterval(tick, 1000);
setInterval(() => { if (!busy && $('done').hidden && $('ci').hidden) load(); }, 30000);
