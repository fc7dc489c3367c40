// The waiting-room voice: a queue of calls spoken one at a time, in order.
// A new call waits for the one being spoken; nothing is ever cut off.
// It speaks with the browser's Indonesian voice when there is one, and
// otherwise plays the Indonesian clips shipped with the service, so it works
// with no internet. Either way a chime comes first.

export class Announcer {
  constructor(clipBase) {
    this.base = clipBase;
    this.queue = [];
    this.busy = false;
    this.buffers = new Map();
    this.ctx = null;
    this.voice = null;
    this.log = []; // every announcement queued, for people and tests
    this.onchange = null;
    this.pickVoice();
    if ('speechSynthesis' in window) speechSynthesis.addEventListener('voiceschanged', () => this.pickVoice());
  }

  pickVoice() {
    if (!('speechSynthesis' in window)) return;
    const vs = speechSynthesis.getVoices();
    this.voice = vs.find((v) => /^(id|in)[-_]?(ID)?$/i.test(v.lang) && v.localService) || vs.find((v) => /^(id|in)([-_]|$)/i.test(v.lang)) || null;
  }

  get mode() { return this.voice ? 'speech' : 'clips'; }

  // locked reports whether the browser still waits for a tap to allow sound.
  get locked() { return !this.ctx || this.ctx.state !== 'running'; }

  // unlock must run inside a user gesture (a tap) where browsers require one.
  async unlock() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    if (!this.ctx) this.ctx = new AC();
    try { await this.ctx.resume(); } catch (err) { /* still locked */ }
    if ('speechSynthesis' in window) { const u = new SpeechSynthesisUtterance(''); u.volume = 0; speechSynthesis.speak(u); }
    this.preload();
    if (this.onchange) this.onchange();
  }

  // tryUnlock starts audio where no gesture is needed (kiosk browsers, TV boxes).
  tryUnlock() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC || this.ctx) return;
    this.ctx = new AC();
    if (this.ctx.state === 'running') this.preload();
    this.ctx.addEventListener('statechange', () => this.onchange && this.onchange());
  }

  preload() {
    const names = ['chime', 'nomor-antrean', 'silakan-menuju', 'ruang', 'loket', 'satu', 'dua', 'tiga', 'empat', 'lima',
      'enam', 'tujuh', 'delapan', 'sembilan', 'sepuluh', 'sebelas', 'belas', 'puluh', 'seratus', 'ratus'];
    for (const n of names) this.buffer(n);
  }

  buffer(name) {
    if (!this.buffers.has(name)) {
      const p = fetch(this.base + name + '.wav').then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.status))))
        .then((b) => new Promise((ok, bad) => this.ctx.decodeAudioData(b, ok, bad)))
        .catch(() => { this.buffers.delete(name); return null; });
      this.buffers.set(name, p);
    }
    return this.buffers.get(name);
  }

  // say queues one announcement {text, clips, key}.
  say(a) {
    this.log.push(a);
    this.queue.push(a);
    if (this.onchange) this.onchange();
    this.run();
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length) {
      const a = this.queue[0];
      this.current = a;
      if (this.onchange) this.onchange();
      try {
        if (this.locked) await sleep(200); // silent: the screen still shows the call
        else if (this.voice) { await this.playClips(['chime']); await this.speak(a.text); } else await this.playClips(a.clips);
      } catch (err) { /* a broken clip never blocks the next call */ }
      this.queue.shift();
      this.current = null;
      await sleep(700);
    }
    this.busy = false;
    if (this.onchange) this.onchange();
  }

  speak(text) {
    return new Promise((done) => {
      const u = new SpeechSynthesisUtterance(text);
      u.voice = this.voice;
      u.lang = this.voice.lang;
      u.rate = 0.9;
      // Some browsers never fire onend: give up after a generous time.
      const guard = setTimeout(done, 4000 + text.length * 150);
      u.onend = u.onerror = () => { clearTimeout(guard); done(); };
      speechSynthesis.speak(u);
    });
  }

  async playClips(names) {
    const bufs = (await Promise.all(names.map((n) => this.buffer(n)))).filter(Boolean);
    if (!bufs.length) return;
    let at = this.ctx.currentTime + 0.05;
    bufs.forEach((b, i) => {
      const src = this.ctx.createBufferSource();
      src.buffer = b;
      src.connect(this.ctx.destination);
      src.start(at);
      at += b.duration + (i === 0 && names[0] === 'chime' ? 0.35 : 0.06);
    });
    await sleep((at - this.ctx.currentTime) * 1000 + 100);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
