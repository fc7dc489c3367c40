// The cadre's phone page: log in, then send the day's delivery report with
// its photo. Each report gets an id made here before the first try; a try
// that fails on the network is repeated with the same id, so the server
// keeps exactly one report however many tries reach it.

const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// newClientID returns 32 random hex digits (crypto.getRandomValues works
// on plain http too, unlike crypto.randomUUID).
function newClientID() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Signing in and out: session.js.

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

  async function send(body) {
    const delays = [0, 2000, 5000, 10000, 20000];
    let last;
    for (let i = 0; i < delays.length; i++) {
      if (delays[i]) {
        say('Sambungan putus, mengulang…');
        await new Promise((r) => setTimeout(r, delays[i]));
      }
      try {
        return await fetch('/api/v1/bts/facilities/' + encodeURIComponent(form.dataset.facility) + '/deliveries', {
          method: 'POST', credentials: 'same-origin', headers: {'X-CSRF-Token': csrf()}, body,
        });
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const photo = $('photo').files[0];
    const list = items();
    if (!$('target').value) { say('Pilih sasaran.', 'error'); return; }
    if (!list.length) { say('Isi jumlah paling sedikit satu bahan pangan.', 'error'); return; }
    if (!photo) { say('Foto wajib dilampirkan.', 'error'); return; }
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
    say('Mengirim…');
    try {
      const res = await send(body);
      const data = await res.json().catch(() => null);
      if (res.ok) {
        say('Laporan terkirim. Terima kasih!', 'ok');
        sessionStorage.removeItem('bts.pending');
        clientID = newClientID();
        form.reset();
        $('date').value = $('date').max;
        const li = document.createElement('li');
        li.textContent = data.date + ' · ' + data.consumption + ' · Rp ' + data.total_rp + ' · ' + data.status;
        const empty = $('recent').querySelector('.note');
        if (empty) empty.remove();
        $('recent').prepend(li);
      } else {
        say((data && data.error && data.error.message) || 'Laporan ditolak server.', 'error');
      }
    } catch (err) {
      say('Belum terkirim: tidak ada sambungan. Tekan Kirim lagi nanti; laporan tidak akan dobel.', 'error');
    } finally {
      $('send').disabled = false;
    }
  });
}
