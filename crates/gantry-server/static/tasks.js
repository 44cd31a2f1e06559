// The task table of a manager. A cell saves when it changed and the user presses Enter or
// leaves it; Escape puts it back as the page showed it. A row button does what it says (delete
// asks first). Each sends one htmx request whose answer is the re-scheduled table body, or the
// reason in the field's (or the table's) error slot. Listening once on the page, rather than
// giving every cell htmx attributes, keeps a long table light to load.
const table = () => document.querySelector('table.task-table.editable');

const errorOf = (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '');

const post = (source, path, values) => window.htmx.ajax('POST', path, {
  source,
  target: '#task-rows',
  swap: 'outerHTML',
  values,
});

const rowOf = (element) => element.closest('tr[data-task]');

const isCell = (element) => element instanceof HTMLInputElement && element.classList.contains('cell') && rowOf(element);

const save = (input) => {
  const last = input.dataset.sent ?? input.defaultValue;
  if (input.value === last) return;
  input.dataset.sent = input.value;
  const row = rowOf(input);
  post(input, `/projects/${table().dataset.project}/tasks/${row.dataset.task}/cells`, {
    field: input.dataset.field,
    value: input.value,
    version: row.dataset.version,
  });
};

document.body.addEventListener('keydown', (event) => {
  const input = event.target;
  if (!isCell(input)) return;
  if (event.key === 'Enter') {
    event.preventDefault();
    save(input);
  } else if (event.key === 'Escape') {
    event.preventDefault();
    input.value = input.defaultValue;
    delete input.dataset.sent;
    input.removeAttribute('aria-invalid');
    const error = errorOf(input);
    if (error) error.textContent = '';
  }
});

document.body.addEventListener('change', (event) => {
  if (isCell(event.target)) save(event.target);
});

document.body.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
  const row = button && rowOf(button);
  if (!row || button.disabled) return;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  post(button, `/projects/${table().dataset.project}/tasks/${row.dataset.task}/actions`, {
    action: button.dataset.action,
    version: row.dataset.version,
  });
});

// Every request from the table says how many rows the page shows.
document.body.addEventListener('htmx:configRequest', (event) => {
  if (!table()) return;
  event.detail.parameters.shown = document.querySelectorAll('#task-rows tr[data-row]').length;
});

// The table body is replaced after every save: a cell the user is typing in meanwhile (not
// the one that was saved) keeps what was typed.
let typing = null;
let pressed = null;
document.body.addEventListener('htmx:beforeSwap', (event) => {
  const active = document.activeElement;
  pressed = active instanceof HTMLButtonElement && active.dataset.action ? active.id : null;
  typing = isCell(active) && active !== event.detail.requestConfig?.elt && active.value !== active.defaultValue
    ? { id: active.id, value: active.value }
    : null;
});
document.body.addEventListener('htmx:afterSettle', () => {
  // A task just added: its name, selected, ready to be typed over.
  const added = document.querySelector('#task-rows [autofocus]');
  if (added instanceof HTMLInputElement) {
    added.removeAttribute('autofocus');
    added.focus();
    added.select();
  }
  // A row button that is disabled now (indented as far as it goes, moved to the top): the
  // focus stays in its row, on the task's name.
  const button = pressed && document.getElementById(pressed);
  pressed = null;
  if (button instanceof HTMLButtonElement && button.disabled) {
    rowOf(button)?.querySelector('td.name input')?.focus();
  }
  if (!typing) return;
  const input = document.getElementById(typing.id);
  if (input && input.value === input.defaultValue) input.value = typing.value;
  typing = null;
});

// A refusal lands in an error slot: mark its field invalid; what was typed stays.
document.body.addEventListener('htmx:afterSwap', (event) => {
  const slot = event.detail.target;
  if (!(slot instanceof HTMLElement) || !slot.classList.contains('field-error')) return;
  const input = document.querySelector(`[aria-describedby="${slot.id}"]`);
  if (input) input.setAttribute('aria-invalid', slot.textContent ? 'true' : 'false');
});
