// The cadre's outbox: reports made on the phone wait here, in IndexedDB
// with their photos, until the server has them. It survives reloads,
// closed tabs and restarts. Both the page (on open, on the online event,
// after each new report) and the service worker (Background Sync) send
// it; a Web Lock lets only one of them send at a time, and every report
// carries the client_id made when it was recorded, so a report sent twice
// (an answer lost on the way back) is still stored once by the server.
//
// This module is shared with the service worker: it uses no DOM.

const DB = 'antrian-kader';
const OUTBOX = 'outbox'; // {seq, client_id, user, facility, fields, photo, label, created, state, error}
const META = 'meta'; // {key, value}: user, csrf ({token, at}), synced, sent

let opening;
function open() {
  opening = opening || new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(OUTBOX, {keyPath: 'seq', autoIncrement: true});
      r.result.createObjectStore(META, {keyPath: 'key'});
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => { opening = null; reject(r.error); };
  });
  return opening;
}

// tx runs fn(store) in a transaction on store name and resolves to the
// result of fn's last request once the transaction commits.
async function tx(name, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(name, mode);
    const req = fn(t.objectStore(name));
    t.oncomplete = () => resolve(req ? req.result : undefined);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

// list resolves to the items of the outbox, oldest first.
export const list = () => tx(OUTBOX, 'readonly', (s) => s.getAll());

// add stores a new report: item has client_id, user, facility, fields,
// photo (a Blob) and label (what the page shows of it).
export const add = (item) => tx(OUTBOX, 'readwrite', (s) => s.add(Object.assign({created: Date.now(), state: 'waiting', error: null}, item)));

export const drop = (seq) => tx(OUTBOX, 'readwrite', (s) => s.delete(seq));

// retry puts a refused item back in line.
export async function retry(seq) {
  const it = await tx(OUTBOX, 'readonly', (s) => s.get(seq));
  if (it) await tx(OUTBOX, 'readwrite', (s) => s.put(Object.assign(it, {state: 'waiting', error: null})));
}

export async function getMeta(key) {
  const r = await tx(META, 'readonly', (s) => s.get(key));
  return r ? r.value : undefined;
}
export const setMeta = (key, value) => tx(META, 'readwrite', (s) => s.put({key, value}));

// sendOne posts one item. It resolves to {sent: delivery} or {refused:
// {status, code, message, field}}, and rejects on a network failure.
async function sendOne(it, csrf) {
  const body = new FormData();
  body.set('client_id', it.client_id);
  for (const k in it.fields) if (it.fields[k] !== '' && it.fields[k] != null) body.set(k, it.fields[k]);
  body.set('photo', it.photo, 'foto.jpg');
  const res = await fetch('/api/v1/bts/facilities/' + encodeURIComponent(it.facility) + '/deliveries', {
    method: 'POST', body, credentials: 'same-origin', headers: {Accept: 'application/json', 'X-CSRF-Token': csrf || ''}});
  let data = null;
  try { data = await res.json(); } catch (err) { /* not JSON */ }
  if (res.ok) return {sent: data};
  const e = (data && data.error) || {};
  return {refused: {status: res.status, code: e.code || 'http_' + res.status, message: e.message || '', field: e.field || ''}};
}

// sessionGone reports a refusal that a new sign-in cures: no session, or
// a session whose CSRF token the page no longer has.
export const sessionGone = (r) => r.status === 401 || (r.status === 403 && /CSRF/i.test(r.message));

// flush sends the waiting items of the cadre signed in on this phone (meta
// user, whose session the cookie holds), in the order they were made. It stops at a network failure ({offline:
// true}), a server that is down ({unavailable: true}) or a session gone
// ({auth: true}); a report the server refuses is kept with the reason,
// for the cadre to fix or drop, and the next ones are sent. It resolves
// to {sent: [deliveries], refused: n, token: the CSRF token used, ...}.
export function flush() {
  const run = async () => {
    const csrf = ((await getMeta('csrf')) || {}).token, user = await getMeta('user');
    const out = {sent: [], refused: 0, token: csrf};
    for (const it of await list()) {
      if (it.state !== 'waiting' || it.user !== user) continue;
      let r;
      try {
        r = await sendOne(it, csrf);
      } catch (err) {
        out.offline = true;
        break;
      }
      if (r.sent) {
        await drop(it.seq);
        out.sent.push(r.sent);
        continue;
      }
      if (sessionGone(r.refused)) { out.auth = true; break; }
      if (r.refused.status >= 500 || r.refused.status === 429) { out.unavailable = true; break; }
      await tx(OUTBOX, 'readwrite', (s) => s.put(Object.assign(it, {state: 'refused', error: r.refused})));
      out.refused++;
    }
    if (out.sent.length) await setMeta('sent', Date.now());
    return out;
  };
  return navigator.locks ? navigator.locks.request('antrian-kader-outbox', run) : run();
}
