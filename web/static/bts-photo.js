// The delivery photo on the phone: its EXIF time and position are read
// from the original, then a large photo is shrunk (longest side 1600 px,
// JPEG quality 0.8) before it is stored in the outbox. A photo small
// enough already is kept as it is, so the server reads its EXIF itself.

export const MAX_SIDE = 1600;
const KEEP_BYTES = 1 << 20; // an original up to 1 MB (and MAX_SIDE) is kept

// readEXIF returns {taken_at, lat, lon} of a JPEG's EXIF ('' where
// absent), written as the server's photo.Meta writes them:
// "2026-03-14T07:15:30" plus the "+07:00" offset when the camera gave one.
export function readEXIF(buf) {
  const out = {taken_at: '', lat: '', lon: ''};
  const v = new DataView(buf);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return out;
  let p = 2;
  while (p + 4 <= v.byteLength && v.getUint8(p) === 0xFF) {
    const marker = v.getUint8(p + 1), len = v.getUint16(p + 2);
    if (marker === 0xDA || marker === 0xD9) break; // image data: no EXIF after it
    if (marker === 0xE1 && len >= 8 && p + 4 + 6 <= v.byteLength &&
        String.fromCharCode(...new Uint8Array(buf, p + 4, 4)) === 'Exif') {
      try { tiff(new DataView(buf, p + 10, Math.min(len - 8, v.byteLength - p - 10)), out); } catch (err) { /* damaged: what was read */ }
      break;
    }
    p += 2 + len;
  }
  return out;
}

// tiff reads the TIFF block of an EXIF segment into out.
function tiff(v, out) {
  const le = v.getUint16(0) === 0x4949;
  const u16 = (o) => v.getUint16(o, le), u32 = (o) => v.getUint32(o, le);
  const ifd = (o) => {
    const tags = {};
    for (let i = 0, n = u16(o); i < n && i < 500; i++) {
      const e = o + 2 + i * 12;
      tags[u16(e)] = {type: u16(e + 2), count: u32(e + 4), at: e + 8};
    }
    return tags;
  };
  const ascii = (t) => {
    if (!t || t.type !== 2) return '';
    const at = t.count > 4 ? u32(t.at) : t.at;
    let s = '';
    for (let i = 0; i < t.count && at + i < v.byteLength; i++) {
      const c = v.getUint8(at + i);
      if (!c) break;
      s += String.fromCharCode(c);
    }
    return s;
  };
  const degrees = (t) => {
    if (!t || t.type !== 5 || t.count !== 3) return NaN;
    const at = u32(t.at);
    let d = 0;
    for (let i = 0; i < 3; i++) d += (u32(at + i * 8) / u32(at + i * 8 + 4)) / [1, 60, 3600][i];
    return d;
  };
  const ifd0 = ifd(u32(4));
  const exif = ifd0[0x8769] ? ifd(u32(ifd0[0x8769].at)) : {};
  out.taken_at = exifTime(ascii(exif[0x9003]) || ascii(ifd0[0x0132]), ascii(exif[0x9011]));
  if (ifd0[0x8825]) {
    const gps = ifd(u32(ifd0[0x8825].at));
    let lat = degrees(gps[2]), lon = degrees(gps[4]);
    if (isFinite(lat) && isFinite(lon)) {
      if (ascii(gps[1]) === 'S') lat = -lat;
      if (ascii(gps[3]) === 'W') lon = -lon;
      out.lat = String(Math.round(lat * 1e6) / 1e6);
      out.lon = String(Math.round(lon * 1e6) / 1e6);
    }
  }
}

// exifTime turns "2026:03:14 07:15:30" (and "+07:00") into the server's form.
function exifTime(s, offset) {
  const m = /^(\d{4}):(\d\d):(\d\d) (\d\d:\d\d:\d\d)$/.exec(s);
  if (!m || m[1] === '0000') return '';
  return m[1] + '-' + m[2] + '-' + m[3] + 'T' + m[4] + (/^[+-]\d\d:\d\d$/.test(offset) ? offset : '');
}

// prepare reads the EXIF of file and returns {photo, taken_at, lat, lon}:
// photo is the file itself when it is small enough, else a shrunk JPEG.
export async function prepare(file) {
  const meta = readEXIF(await file.arrayBuffer());
  const bmp = await createImageBitmap(file); // turned upright per its EXIF orientation
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  if (scale === 1 && file.size <= KEEP_BYTES) {
    bmp.close();
    return Object.assign({photo: file}, meta);
  }
  const w = Math.max(1, Math.round(bmp.width * scale)), h = Math.max(1, Math.round(bmp.height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff'; // a transparent PNG gets the server's white
  g.fillRect(0, 0, w, h);
  g.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return Object.assign({photo: await canvas.convertToBlob({type: 'image/jpeg', quality: 0.8})}, meta);
}
