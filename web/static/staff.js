// Staff sign-in shared by the console and the admin page: the session
// cookie is HttpOnly, and the CSRF token comes from login or /auth/me.
import {$, api, setCSRF} from './common.js';

// session shows the login form until someone is signed in, then calls
// onEnter({user, csrf_token}).
export async function session(onEnter) {
  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const e = $('login-error');
    e.hidden = true;
    try {
      const r = await api('POST', '/api/v1/auth/login', {username: $('username').value.trim(), password: $('password').value});
      $('password').value = '';
      enter(r);
    } catch (err) {
      e.textContent = err.message;
      e.hidden = false;
      $('password').focus();
    }
  });
  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } catch (err) { /* gone anyway */ }
    location.reload();
  });
  function enter(r) {
    setCSRF(r.csrf_token);
    $('login').hidden = true;
    $('app').hidden = false;
    $('logout').hidden = false;
    $('who').textContent = r.user.username;
    onEnter(r);
  }
  try {
    enter(await api('GET', '/api/v1/auth/me'));
  } catch (err) {
    showLogin();
  }
}

export function showLogin() {
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('username').focus();
}
