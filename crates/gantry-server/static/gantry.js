// Gantry's own behaviour for the pages, loaded as an ES module after htmx.
// Every write that htmx sends from a page repeats the session's CSRF token, which each signed-in
// page carries in its logout form.
const csrf = () => document.querySelector('input[name="csrf_token"]')?.value;
document.body.addEventListener('htmx:configRequest', (event) => {
  const token = csrf();
  if (token) event.detail.headers['X-CSRF-Token'] = token;
});
