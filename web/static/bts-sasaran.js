// The targets page: the list is rendered by the server; this only sends an
// early exit to the enrolment's exit API and updates the target in place.

const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// Signing in and out: session.js.

const list = $('targets');
if (list) {
  list.addEventListener('submit', async (ev) => {
    const form = ev.target.closest('form.exit-form');
    if (!form) return;
    ev.preventDefault();
    const card = form.closest('article.target');
    const id = card.dataset.id;
    const field = (name) => form.elements[name];
    const errorOf = (name) => $('error-' + id + '-' + name);
    for (const name of ['exited_on', 'exit_reason']) {
      errorOf(name).textContent = '';
      field(name).removeAttribute('aria-invalid');
    }
    const formError = form.querySelector('.form-error');
    formError.textContent = '';
    const fail = (name, message) => {
      const el = name && errorOf(name);
      if (!el) { formError.textContent = message; return; }
      el.textContent = message;
      field(name).setAttribute('aria-invalid', 'true');
      field(name).focus();
    };
    const body = {exited_on: field('exited_on').value, exit_reason: field('exit_reason').value.trim()};
    // An empty day would mean today to the API: ask for it instead.
    if (!body.exited_on) { fail('exited_on', 'Isi tanggal keluar.'); return; }
    if (!body.exit_reason) { fail('exit_reason', 'Isi alasan keluar (mis. sudah tidak stunting, pindah).'); return; }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await fetch('/api/v1/bts/facilities/' + encodeURIComponent(list.dataset.facility) +
          '/enrolments/' + encodeURIComponent(id) + '/exit', {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf()},
        body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => null);
      if (res.ok && data) { left(card, data); return; }
      if (res.ok) { location.reload(); return; } // stored; the answer was unreadable
      const err = (data && data.error) || {};
      fail(err.field, res.status === 409 ? 'Sasaran ini sudah keluar. Muat ulang halaman.'
        : res.status === 401 ? 'Sesi berakhir. Muat ulang halaman dan masuk lagi.'
        : err.message || 'Gagal menyimpan (' + res.status + ').');
    } catch (err) {
      fail('', 'Tidak ada sambungan. Coba lagi.');
    }
    button.disabled = false;
  });

  // left shows that the target left: its new status, one fewer active.
  function left(card, e) {
    const wasActive = card.dataset.state === 'active';
    card.dataset.state = 'exited';
    const state = card.querySelector('.state');
    const span = document.createElement('span');
    span.className = 'state-exited';
    span.textContent = 'Keluar sejak ' + e.exited_on + ' (' + e.exit_reason + ')';
    state.replaceChildren('Status: ', span);
    card.querySelector('details.exit').remove();
    const count = $('active-count');
    if (wasActive) count.textContent = String(Math.max(0, Number(count.textContent) - 1));
    state.focus();
  }
}
