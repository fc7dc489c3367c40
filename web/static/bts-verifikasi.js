// The nutritionist's review page (/bts/verifikasi): the list is rendered by
// the server; this sends each verdict to the review API and updates the
// report in place.
import {t, $, h, api} from './common.js';
import {pageSession} from './staff.js';

pageSession();

const list = $('reports');
if (list) {
  const pending = () => list.querySelectorAll('article.report[data-status="pending"]').length;

  // show puts the review's outcome into the report and moves focus to the
  // next report still waiting, or to this report's new status.
  function show(card, d) {
    card.dataset.status = d.status;
    const state = card.querySelector('.state');
    state.replaceChildren(t('bts.js.state') + ' ', h('span', {class: 'status-' + d.status}, t('bts.status.' + d.status)),
      d.reviewed_by ? ' ' + t('bts.js.by', {name: d.reviewed_by}) : '');
    if (d.review_note) state.append(' · ' + t('bts.js.reason') + ' ', h('span', {class: 'reason-text'}, d.review_note));
    card.querySelector('.review').remove();
    card.querySelector('.error').remove();
    $('pending-count').textContent = String(pending());
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
      error.textContent = t('bts.v.err.reason');
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    const buttons = card.querySelectorAll('.review button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      show(card, await api('POST', '/api/v1/bts/facilities/' + encodeURIComponent(list.dataset.facility) +
        '/deliveries/' + card.dataset.id + '/review', {status: verdict, note: verdict === 'rejected' ? note : ''}));
      return;
    } catch (err) {
      error.textContent = err.status === 409 ? t('bts.v.err.conflict')
        : err.status === 401 ? t('bts.js.session')
        : err.status && !(err.body && err.body.error) ? t('bts.js.failed', {status: err.status})
        : err.message;
    }
    buttons.forEach((b) => { b.disabled = false; });
    btn.focus();
  });
}
