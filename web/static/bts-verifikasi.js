// The nutritionist's review page: log in, then verify or reject each
// delivery report. The list is rendered by the server; this only sends the
// verdicts to the review API and updates the report in place.

const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

const statusLabel = {pending: 'Menunggu verifikasi', verified: 'Terverifikasi', rejected: 'Ditolak'};

// Signing in and out: session.js.

const list = $('reports');
if (list) {
  const summary = $('summary');
  const pending = () => list.querySelectorAll('article.report[data-status="pending"]').length;

  // show puts the review's outcome into the report and moves focus to the
  // next report still waiting, or to this report's new status.
  function show(card, d) {
    card.dataset.status = d.status;
    const state = card.querySelector('.state');
    const span = document.createElement('span');
    span.className = 'status-' + d.status;
    span.textContent = statusLabel[d.status] || d.status;
    state.replaceChildren('Status: ', span, d.reviewed_by ? ' oleh ' + d.reviewed_by : '');
    if (d.review_note) state.append(' · alasan: ', d.review_note);
    card.querySelector('.review').remove();
    card.querySelector('.error').remove();
    summary.textContent = summary.textContent.replace(/\d+ menunggu/, pending() + ' menunggu');
    let next = card.nextElementSibling;
    while (next && next.dataset.status !== 'pending') next = next.nextElementSibling;
    if (!next) next = list.querySelector('article.report[data-status="pending"]');
    (next || state).focus();
  }

  list.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button.verify, button.reject');
    if (!btn) return;
    const card = btn.closest('article.report');
    const error = card.querySelector('.error');
    const reason = card.querySelector('textarea.reason');
    const verdict = btn.classList.contains('verify') ? 'verified' : 'rejected';
    const note = reason.value.trim();
    error.textContent = '';
    reason.removeAttribute('aria-invalid');
    if (verdict === 'rejected' && !note) {
      error.textContent = 'Tulis alasan penolakan sebelum menolak laporan.';
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    const buttons = card.querySelectorAll('.review button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const res = await fetch('/api/v1/bts/facilities/' + encodeURIComponent(list.dataset.facility) +
          '/deliveries/' + card.dataset.id + '/review', {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf()},
        body: JSON.stringify({status: verdict, note: verdict === 'rejected' ? note : ''}),
      });
      const body = await res.json().catch(() => null);
      if (res.ok) { show(card, body); return; }
      error.textContent = res.status === 409
        ? 'Laporan ini sudah diperiksa orang lain. Muat ulang halaman.'
        : res.status === 401 ? 'Sesi berakhir. Muat ulang halaman dan masuk lagi.'
        : (body && body.error && body.error.message) || 'Gagal menyimpan (' + res.status + ').';
    } catch (err) {
      error.textContent = 'Tidak ada sambungan. Coba lagi.';
    }
    buttons.forEach((b) => { b.disabled = false; });
    btn.focus();
  });
}
