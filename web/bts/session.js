// Signing in and out on the BTS pages (/kader, /bts/verifikasi): the login
// form posts to the API and reloads the page, which the server then renders
// for the account; the logout button ends the session.

const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

const login = $('login');
if (login) {
  login.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try {
      const res = await fetch('/api/v1/auth/login', {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({username: $('username').value.trim(), password: $('password').value}),
      });
      if (res.ok) { location.reload(); return; }
      const body = await res.json().catch(() => null);
      $('login-error').textContent = (body && body.error && body.error.message) || 'Gagal masuk.';
    } catch (err) {
      $('login-error').textContent = 'Tidak ada sambungan. Coba lagi.';
    }
  });
}

const logout = $('logout');
if (logout) {
  logout.addEventListener('click', async () => {
    await fetch('/api/v1/auth/logout', {method: 'POST', credentials: 'same-origin', headers: {'X-CSRF-Token': csrf()}}).catch(() => {});
    location.reload();
  });
}
