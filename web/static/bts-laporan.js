// The BTS report page (/bts/laporan) works without JavaScript; this signs
// in and submits the filters as soon as one changes.
import {pageSession} from './staff.js';

pageSession();
for (const el of document.querySelectorAll('form.filters select, form.filters input')) {
  el.addEventListener('change', () => el.form.requestSubmit());
}
