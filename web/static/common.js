// Shared helpers of every page: messages, the JSON API, live sockets and
// the tickets kept on this phone.

const strings = JSON.parse(document.getElementById('strings').textContent || '{}');

// t returns the message key in the page's language, with {name} filled in.
export function t(key, vars) {
  let s = strings[key] || key;
  if (vars) for (const k in vars) s = s.split('{' + k + '}').join(vars[k]);
  return s;
}

export const $ = (id) => document.getElementById(id);

// h builds an element: h('p', {class: 'x'}, 'text', child).
export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v === false || v == null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids) if (c != null) e.append(c);
  return e;
}

// APIError is a failed API call: status, code, message and field per the contract.
export class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || t('err.network'));
    this.status = status;
    this.code = e.code || (status ? 'http_' + status : 'network');
    this.field = e.field || '';
    this.body = body;
  }
}

let csrf = '';
export function setCSRF(token) { csrf = token || ''; }

// api calls the JSON API; it resolves to the body (null for 204). A
// FormData body is sent as multipart/form-data, anything else as JSON.
export async function api(method, path, body, headers) {
  const opt = {method, headers: Object.assign({Accept: 'application/json'}, headers || {}), credentials: 'same-origin'};
  if (body instanceof FormData) {
    opt.body = body;
  } else if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  if (csrf && method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, opt);
  } catch (err) {
    throw new APIError(0, null);
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch (err) { /* not JSON */ }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// live keeps a WebSocket open to path, reconnecting with backoff. path is a
// function so that each reconnect can carry the latest since=.
// onState(true|false) reports whether the socket is up.
export function live(path, onMessage, onState) {
  let ws, timer, delay = 500, closed = false, up = false;
  const set = (v) => { if (v !== up) { up = v; onState && onState(v); } };
  function connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path();
    try { ws = new WebSocket(url); } catch (err) { return retry(); }
    ws.onopen = () => { delay = 500; set(true); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (err) { return; }
      onMessage(m);
    };
    ws.onclose = () => { set(false); retry(); };
    ws.onerror = () => { try { ws.close(); } catch (err) { /* closed */ } };
  }
  function retry() {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(connect, delay + Math.random() * 300);
    delay = Math.min(delay * 2, 15000);
  }
  connect();
  // A phone waking up or a network coming back: reconnect now.
  window.addEventListener('online', () => { if (!up) { delay = 500; retry(); } });
  return {close() { closed = true; clearTimeout(timer); if (ws) ws.close(); }, up: () => up};
}

// minutes renders an estimated wait in seconds.
export function waitText(s) {
  if (s == null) return '–';
  const m = Math.round(s / 60);
  if (m < 1) return t('wait.now');
  if (m < 60) return t('wait.min', {n: m});
  return t('wait.hour', {h: Math.floor(m / 60), m: m % 60});
}

// dateText renders a yyyy-mm-dd service date for people.
export function dateText(d, short) {
  const [y, m, day] = d.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, day, 12));
  return dt.toLocaleDateString(document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID', short
    ? {weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC'}
    : {weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC'});
}

// today returns yyyy-mm-dd in time zone tz, plus n days.
export function dayIn(tz, n) {
  const d = new Date(Date.now() + (n || 0) * 86400000);
  return new Intl.DateTimeFormat('en-CA', {timeZone: tz || 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit'}).format(d);
}

// The tickets kept on this phone: [{id, token, facility, unit, code, service_date}].
const KEY = 'antrian.tickets';
export function savedTickets() {
  try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (err) { return []; }
}
export function saveTicket(tk) {
  const list = savedTickets().filter((x) => x.id !== tk.id);
  list.unshift(tk);
  try { localStorage.setItem(KEY, JSON.stringify(list.slice(0, 10))); } catch (err) { /* private mode */ }
}
export function forgetTicket(id) {
  try { localStorage.setItem(KEY, JSON.stringify(savedTickets().filter((x) => x.id !== id))); } catch (err) { /* */ }
}

// trackURL is the short link of a ticket: the token stays in the fragment,
// which browsers never send to the server.
export function trackURL(id, token) {
  return location.origin + '/t/' + encodeURIComponent(id) + '#' + token;
}

// qr fills img with a QR code of text (drawn by our own server).
export async function qr(img, text) {
  try {
    const res = await fetch('/qr.svg', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text})});
    if (!res.ok) return;
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(await res.text());
  } catch (err) { /* offline: the link text still works */ }
}

// booked: waiting for its patient's check-in; no_show may still rejoin.
export const ACTIVE = ['booked', 'waiting', 'called', 'serving', 'no_show'];
