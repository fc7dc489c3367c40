// The targets page (/bts/sasaran): the list is rendered by the server; this
// sends an early exit to the enrolment's exit API and updates the target
// in place.
import {t, $, h, api} from './common.js';
import {pageSession} from './staff.js';

pageSession();

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
    if (!body.exited_on) { fail('exited_on', t('bts.s.err.day')); return; }
    if (!body.exit_reason) { fail('exit_reason', t('bts.s.err.reason')); return; }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const data = await api('POST', '/api/v1/bts/facilities/' + encodeURIComponent(list.dataset.facility) +
        '/enrolments/' + encodeURIComponent(id) + '/exit', body);
      if (data) { left(card, data); return; }
      location.reload(); // stored; the answer was unreadable
      return;
    } catch (err) {
      fail(err.field, err.status === 409 ? t('bts.s.err.conflict')
        : err.status === 401 ? t('bts.js.session')
        : err.status && !(err.body && err.body.error) ? t('bts.js.failed', {status: err.status})
        : err.message);
    }
    button.disabled = false;
  });

  // left shows that the target left: its new status, one fewer active.
  function left(card, e) {
    const wasActive = card.dataset.state === 'active';
    card.dataset.state = 'exited';
    const state = card.querySelector('.state');
    state.replaceChildren(t('bts.js.state') + ' ',
      h('span', {class: 'state-exited'}, t('bts.s.state.exited', {date: e.exited_on, reason: e.exit_reason})));
    card.querySelector('details.exit').remove();
    const count = $('active-count');
    if (wasActive) count.textContent = String(Math.max(0, Number(count.textContent) - 1));
    state.focus();
  }
}
