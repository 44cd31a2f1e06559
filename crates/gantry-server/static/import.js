// The import form (portfolio and settings pages): the chosen file goes to the JSON API as it is (its
// bytes, with the session's CSRF token), and the new project opens; a refusal is shown next to
// the field, in the server's words.
const form = document.getElementById('import-form');
const error = document.getElementById('import-error');
form?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = document.getElementById('import-file').files[0];
  if (!file) return;
  error.hidden = true;
  const token = document.querySelector('input[name="csrf_token"]')?.value ?? '';
  const response = await fetch(`/api/v1/projects/import?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': token },
    body: await file.arrayBuffer(),
  });
  const answer = await response.json().catch(() => null);
  if (response.ok && answer?.id) {
    window.location.assign(`/projects/${answer.id}`);
    return;
  }
  error.textContent = answer?.error?.message ?? `The import failed (${response.status}).`;
  error.hidden = false;
  document.getElementById('import-file').setAttribute('aria-invalid', 'true');
});
