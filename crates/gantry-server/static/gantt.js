// The Gantt page's behaviour, as an ES module.
//
// Rows: the page draws the timescale and a window of rows inside a box as tall as every row;
// as the chart scrolls, the rows around the ones in view are fetched from
// /projects/{id}/gantt/rows and put at their place, so that a plan of 10,000 tasks keeps a few
// hundred rows in the page.
//
// Drags (managers only; the chart has handles only for them): pointer events, so that a mouse,
// a pen, a finger and WebDriver all drive them. Drop a bar to move its task (start no earlier
// than the day dropped on), its right end to change its duration, its round handle onto
// another bar to link the two, finish to start. Each drop is one request; the answer is the
// chart drawn again (successors moved), or a sentence saying why nothing was saved.

const MARGIN = 80; // rows fetched beyond the ones in view, above and below
const REFETCH = 20; // fetch again when fewer rows than this remain beyond the view

const view = document.getElementById('gantt');
if (view) {
  // A module runs once the page is parsed: the rows drawn by the server are in the DOM. The
  // browser tests read this mark as the time from navigation to the bars being there.
  if (view.querySelector('[data-task]')) performance.mark('gantt-rows');
  start(view);
}

function start(view) {
  const project = view.dataset.project;
  const scale = view.dataset.scale;
  const editable = view.dataset.editable === 'true';
  const message = document.getElementById('gantt-message');
  const body = () => view.querySelector('.gantt-body');
  const windowBox = () => view.querySelector('.gantt-window');
  const rowHeight = () => Number(body().dataset.rowHeight);
  const taskCount = () => Number(body().dataset.taskCount);
  let loading = null; // { from, to, controller } of the request in flight

  // The rows in view: the header is sticky, so the first row under it is scrollTop / rowHeight.
  const inView = () => {
    const height = rowHeight();
    const first = Math.floor(view.scrollTop / height);
    const last = Math.ceil((view.scrollTop + view.clientHeight) / height);
    return [first, Math.min(last, taskCount())];
  };

  async function showRows(from, to) {
    if (loading && loading.from === from && loading.to === to) return;
    loading?.controller.abort();
    const controller = new AbortController();
    loading = { from, to, controller };
    try {
      const url = `/projects/${project}/gantt/rows?from=${from}&to=${to}&scale=${scale}`;
      const response = await fetch(url, { signal: controller.signal, credentials: 'same-origin' });
      if (!response.ok) throw new Error(`the rows did not load (${response.status})`);
      const svg = await response.text();
      const box = windowBox();
      box.innerHTML = svg;
      box.style.top = `${from * rowHeight()}px`;
      box.dataset.from = from;
      box.dataset.to = to;
    } catch (error) {
      if (error.name !== 'AbortError') say(`The chart could not load these rows: ${error.message}. Scroll again or reload the page.`, true);
    } finally {
      if (loading?.controller === controller) loading = null;
    }
  }

  function onScroll() {
    const box = windowBox();
    const from = Number(box.dataset.from);
    const to = Number(box.dataset.to);
    const [first, last] = inView();
    const count = taskCount();
    if ((from > 0 && first < from + REFETCH) || (to < count && last > to - REFETCH)) {
      showRows(Math.max(0, first - MARGIN), Math.min(count, last + MARGIN));
    }
  }

  let scheduled = false;
  view.addEventListener('scroll', () => {
    // The task list and the legend stay in view as the chart scrolls sideways.
    view.style.setProperty('--gantt-left', `${view.scrollLeft}px`);
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onScroll();
    });
  }, { passive: true });

  function say(text, failed) {
    message.textContent = text;
    message.className = failed ? 'gantt-message error' : 'gantt-message saved';
    message.hidden = false;
  }

  if (editable) enableDragging(view, { project, scale, windowBox, say, showRows });
}

function addDays(isoDate, days) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const csrf = () => document.querySelector('input[name="csrf_token"]')?.value ?? '';

function enableDragging(view, { project, scale, windowBox, say, showRows }) {
  let drag = null;

  view.addEventListener('pointerdown', (event) => {
    const handle = event.target.closest('[data-drag]');
    if (!handle || event.button !== 0 || drag) return;
    const row = handle.closest('.row');
    const svg = handle.ownerSVGElement;
    const bar = row.querySelector('[data-drag="move"]');
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    drag = {
      kind: handle.dataset.drag,
      handle,
      row,
      bar,
      svg,
      x: event.clientX,
      dayWidth: Number(svg.dataset.dayWidth),
      snap: Number(svg.dataset.snapDays),
      width: bar.getAttribute('width') && Number(bar.getAttribute('width')),
      moving: [...row.querySelectorAll('[data-drag], .done, .float')],
      draft: null,
      target: null,
    };
    row.classList.add('dragging');
    if (drag.kind === 'link') {
      const draft = document.createElementNS('http://www.w3.org/2000/svg', 'line');
      draft.setAttribute('class', 'link-draft');
      const cx = handle.getAttribute('cx');
      const cy = handle.getAttribute('cy');
      for (const [name, value] of [['x1', cx], ['y1', cy], ['x2', cx], ['y2', cy]]) draft.setAttribute(name, value);
      svg.appendChild(draft);
      drag.draft = draft;
    }
  });

  // The row under the pointer that a link would go to, if any.
  const rowAt = (x, y) => {
    const row = document.elementFromPoint(x, y)?.closest('.row[data-id]');
    return row && row !== drag.row ? row : null;
  };

  view.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    if (drag.kind === 'move') {
      for (const element of drag.moving) element.setAttribute('transform', `translate(${dx} 0)`);
    } else if (drag.kind === 'resize') {
      drag.bar.setAttribute('width', Math.max(2, drag.width + dx));
      for (const element of drag.moving) {
        if (element !== drag.bar && element.classList.contains('done') === false) element.setAttribute('transform', `translate(${dx} 0)`);
      }
    } else {
      const box = drag.svg.getBoundingClientRect();
      drag.draft.setAttribute('x2', event.clientX - box.left);
      drag.draft.setAttribute('y2', event.clientY - box.top);
      const target = rowAt(event.clientX, event.clientY);
      if (target !== drag.target) {
        drag.target?.classList.remove('drop-target');
        target?.classList.add('drop-target');
        drag.target = target;
      }
    }
  });

  const reset = () => {
    if (!drag) return;
    for (const element of drag.moving) element.removeAttribute('transform');
    if (drag.kind === 'resize') drag.bar.setAttribute('width', drag.width);
    drag.draft?.remove();
    drag.target?.classList.remove('drop-target');
    drag.row.classList.remove('dragging');
    drag = null;
  };

  view.addEventListener('pointercancel', reset);

  view.addEventListener('pointerup', async (event) => {
    if (!drag) return;
    const { kind, row, bar, dayWidth, snap } = drag;
    const days = Math.round((event.clientX - drag.x) / dayWidth / snap) * snap;
    const fields = { action: kind, task: row.dataset.id, version: row.dataset.version };
    let done;
    if (kind === 'move' && days !== 0) {
      fields.date = addDays(bar.dataset.start, days);
      done = `Moved: the task starts no earlier than ${fields.date}.`;
    } else if (kind === 'resize' && days !== 0) {
      fields.date = addDays(bar.dataset.finish, days);
      done = `Changed: the task now ends on ${fields.date}.`;
    } else if (kind === 'link') {
      const target = rowAt(event.clientX, event.clientY);
      if (target) {
        fields.successor = target.dataset.id;
        done = 'Linked: the task you dropped on now follows, finish to start.';
      }
    }
    reset();
    if (!done) return;
    const box = windowBox();
    Object.assign(fields, { scale, from: box.dataset.from, to: box.dataset.to });
    view.classList.add('busy');
    try {
      const response = await fetch(`/projects/${project}/gantt/edit`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
      const text = await response.text();
      if (response.ok) {
        const top = view.scrollTop;
        const left = view.scrollLeft;
        view.innerHTML = text;
        view.scrollTop = top;
        view.scrollLeft = left;
        say(done, false);
      } else {
        say(text || `Not saved (${response.status}).`, true);
        // Show the plan as it is now (another person's change, or the bar back in place).
        await showRows(Number(box.dataset.from), Number(box.dataset.to));
      }
    } catch (error) {
      say(`Not saved: the server did not answer (${error.message}).`, true);
    } finally {
      view.classList.remove('busy');
    }
  });
}
