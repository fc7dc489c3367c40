// Indonesian numbers in words and the spoken form of a queue call.
// "se-" replaces "satu" before puluh/belas/ratus/ribu: 10 sepuluh, 11 sebelas,
// 100 seratus, 1000 seribu. Leading zeros of a ticket number are not read.

const DIGITS = ['nol', 'satu', 'dua', 'tiga', 'empat', 'lima', 'enam', 'tujuh', 'delapan', 'sembilan'];

// words returns the words of a whole number 0..999999.
export function words(n) {
  n = Math.floor(Number(n));
  if (!(n >= 0) || n > 999999) return [];
  if (n < 10) return [DIGITS[n]];
  const rest = (r) => (r ? words(r) : []);
  if (n === 10) return ['sepuluh'];
  if (n === 11) return ['sebelas'];
  if (n < 20) return [DIGITS[n - 10], 'belas'];
  if (n < 100) return [DIGITS[Math.floor(n / 10)], 'puluh', ...rest(n % 10)];
  if (n < 200) return ['seratus', ...rest(n - 100)];
  if (n < 1000) return [DIGITS[Math.floor(n / 100)], 'ratus', ...rest(n % 100)];
  if (n < 2000) return ['seribu', ...rest(n - 1000)];
  return [...words(Math.floor(n / 1000)), 'ribu', ...rest(n % 1000)];
}

// Words of a destination that have a recorded clip.
const PLACES = ['ruang', 'loket', 'poli', 'meja', 'kamar'];

// destination turns a counter such as "Ruang 2" into spoken tokens:
// [{word: 'Ruang', clip: 'ruang'}, {word: 'dua', clip: 'dua'}]. Words
// without a clip keep clip '' (the speech voice reads them; clips skip them).
export function destination(counter) {
  const out = [];
  for (const part of String(counter || '').trim().split(/(\d+)/)) {
    if (/^\d+$/.test(part)) {
      for (const w of words(Number(part))) out.push({word: w, clip: w});
      continue;
    }
    for (const w of part.split(/[\s/.,-]+/)) {
      if (!w) continue;
      const low = w.toLowerCase();
      out.push({word: w, clip: PLACES.includes(low) ? low : ''});
    }
  }
  return out;
}

// announcement is what the screen says for a call: the text for a speech
// voice and the list of clips, e.g. for code "B-012" and counter "Ruang 2":
// "Nomor antrean B dua belas, silakan menuju Ruang dua".
export function announcement(code, counter, fallbackPlace) {
  const m = /^([A-Za-z]*)[-\s]*0*(\d+)$/.exec(String(code || '').trim());
  const letters = m ? m[1].toUpperCase().split('') : [];
  const num = m ? words(Number(m[2])) : [String(code)];
  const dest = destination(counter || fallbackPlace || '');
  const say = [letters.join(' '), num.join(' ')].filter(Boolean).join(' ');
  let text = 'Nomor antrean ' + say;
  if (dest.length) text += ', silakan menuju ' + dest.map((d) => d.word).join(' ');
  const clips = ['chime', 'nomor-antrean', ...letters.map((l) => 'huruf-' + l.toLowerCase()), ...(m ? num : [])];
  const destClips = dest.map((d) => d.clip).filter(Boolean);
  if (destClips.length) clips.push('silakan-menuju', ...destClips);
  return {text, clips};
}
