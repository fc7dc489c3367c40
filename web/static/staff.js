// Staff sign-in shared by the staff pages: the session cookie is HttpOnly,
// and the CSRF token comes from login or /auth/me (the console, the admin
// page), or with the page itself when the server rendered it for the
// signed-in account (the BTS pages).
import {$, api, setCSRF} from './common.js';

// onLogin sends the login form (#login) and calls done with the answer.
function onLogin(done) {
  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const e = $('login-error');
    e.hidden = true;
    try {
      const r = await api('POST', '/api/v1/auth/login', {username: $('username').value.trim(), password: $('password').value});
      $('password').value = '';
      done(r);
    } catch (err) {
      e.textContent = err.message;
      e.hidden = false;
      $('password').focus();
    }
  });
}

// onLogout ends the session from the #logout button and loads the page
// again; before (optional) forgets first what the page keeps on the phone.
function onLogout(before) {
  $('logout').addEventListener('click', async () => {
    if (before) await before();
    try { await api('POST', '/api/v1/auth/logout'); } catch (err) { /* gone anyway */ }
    location.reload();
  });
}

// session shows the login form until someone is signed in, then calls
// onEnter({user, csrf_token}).
export async function session(onEnter) {
  onLogin(enter);
  onLogout();
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

// pageSession is session for a page the server renders for the account
// signed in (or with the login form): signing in or out loads the page
// again, and the CSRF token comes with the page. beforeLogout (optional)
// runs, and is awaited, before signing out.
export function pageSession(beforeLogout) {
  const token = document.querySelector('meta[name="csrf-token"]');
  setCSRF(token ? token.content : '');
  if ($('login')) onLogin(() => location.reload());
  if ($('logout')) onLogout(beforeLogout);
}
