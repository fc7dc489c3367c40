// The report page works without JavaScript; this only submits the filters
// as soon as one changes.
for (const el of document.querySelectorAll('form.filters select, form.filters input')) {
  el.addEventListener('change', () => el.form.requestSubmit());
}
