// Dashboards: the pages work without JavaScript; this only signs in, signs
// out, prints, and submits the filters as soon as one changes.
import {$, api} from './common.js';

const login = $('login');
if (login) {
  login.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const e = $('login-error');
    e.hidden = true;
    try {
      await api('POST', '/api/v1/auth/login', {username: $('username').value.trim(), password: $('password').value});
      location.reload();
    } catch (err) {
      e.textContent = err.message;
      e.hidden = false;
      $('password').focus();
    }
  });
}
const logout = $('logout');
if (logout) {
  logout.addEventListener('click', async () => {
    try {
      const me = await api('GET', '/api/v1/auth/me');
      await api('POST', '/api/v1/auth/logout', undefined, {'X-CSRF-Token': me.csrf_token});
    } catch (err) { /* gone anyway */ }
    location.reload();
  });
}
const print = $('print');
if (print) print.addEventListener('click', () => window.print());
for (const el of document.querySelectorAll('form.filters select')) {
  el.addEventListener('change', () => el.form.requestSubmit());
}
