// The board's drag and drop, with pointer events (not HTML5 drag and drop) so that a mouse, a
// finger on a phone and WebDriver's actions all drive it. Dropping a card on another column
// picks that column in the card's "Move to" form and submits it; htmx posts it and swaps the
// board the server sends back. Listeners sit on the document, so a swapped board needs no setup.

const THRESHOLD = 4; // pixels a pointer moves before a press becomes a drag
const EDGE = 48; // pixels from the window's top or bottom where a drag scrolls the page

let drag = null;

const columnAt = (x, y) => document.elementFromPoint(x, y)?.closest('#board .board-column');

function start(event, card) {
  const box = card.getBoundingClientRect();
  const ghost = card.cloneNode(true);
  ghost.removeAttribute('id');
  ghost.classList.add('drag-ghost');
  ghost.setAttribute('aria-hidden', 'true');
  ghost.style.width = `${box.width}px`;
  ghost.style.left = `${box.left}px`;
  ghost.style.top = `${box.top}px`;
  document.body.append(ghost);
  card.classList.add('dragging');
  document.body.classList.add('board-dragging');
  drag.ghost = ghost;
  drag.offsetX = drag.x - box.left;
  drag.offsetY = drag.y - box.top;
}

function follow(event) {
  drag.ghost.style.left = `${event.clientX - drag.offsetX}px`;
  drag.ghost.style.top = `${event.clientY - drag.offsetY}px`;
  const column = columnAt(event.clientX, event.clientY);
  if (column !== drag.over) {
    drag.over?.classList.remove('drop-target');
    drag.over = column;
    if (column && column.dataset.column !== drag.card.dataset.column) column.classList.add('drop-target');
  }
  drag.pointerY = event.clientY;
  if (!drag.scrolling) scroll();
}

// Near the window's top or bottom edge, a drag scrolls the page (columns stack on a phone).
function scroll() {
  if (!drag?.ghost) return;
  const y = drag.pointerY;
  const step = y < EDGE ? -12 : y > window.innerHeight - EDGE ? 12 : 0;
  if (step === 0) {
    drag.scrolling = false;
    return;
  }
  drag.scrolling = true;
  window.scrollBy(0, step);
  requestAnimationFrame(scroll);
}

function finish(event, drop) {
  const { card, ghost, over, pointerId } = drag;
  drag = null;
  if (card.hasPointerCapture(pointerId)) card.releasePointerCapture(pointerId);
  if (!ghost) return;
  ghost.remove();
  over?.classList.remove('drop-target');
  document.body.classList.remove('board-dragging');
  const column = drop ? columnAt(event.clientX, event.clientY) : null;
  if (!column || column.dataset.column === card.dataset.column) {
    card.classList.remove('dragging');
    return;
  }
  // Show the card in its new place at once; the server's answer replaces the whole board (and
  // puts the card back, with a message, if the move was refused).
  card.classList.remove('dragging');
  card.classList.add('moving');
  column.querySelector('.cards')?.append(card);
  const form = card.querySelector('form.move');
  form.querySelector('select[name="column"]').value = column.dataset.column;
  form.requestSubmit();
}

document.addEventListener('pointerdown', (event) => {
  if (drag || event.button !== 0 || !event.isPrimary) return;
  const card = event.target.closest('#board.movable .board-card');
  if (!card || event.target.closest('select, button, input, a, label')) return;
  // On a touch screen only the handle drags, so that a finger on a card still scrolls the page.
  if (event.pointerType === 'touch' && !event.target.closest('.drag-handle')) return;
  drag = { card, pointerId: event.pointerId, x: event.clientX, y: event.clientY };
  // Capture keeps the moves coming when the pointer leaves the window; a synthetic pointer
  // (no active pointer of that id) cannot be captured, and the drag works without it.
  try {
    card.setPointerCapture(event.pointerId);
  } catch {
    // Not capturable: the document's listeners still see the moves.
  }
  event.preventDefault();
});

document.addEventListener('pointermove', (event) => {
  if (!drag || event.pointerId !== drag.pointerId) return;
  if (!drag.ghost) {
    if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < THRESHOLD) return;
    start(event, drag.card);
  }
  event.preventDefault();
  follow(event);
});

document.addEventListener('pointerup', (event) => {
  if (drag && event.pointerId === drag.pointerId) finish(event, true);
});

document.addEventListener('pointercancel', (event) => {
  if (drag && event.pointerId === drag.pointerId) finish(event, false);
});

document.addEventListener('keydown', (event) => {
  if (drag && event.key === 'Escape') finish(event, false);
});

// A refused move (a stale card, a viewer, a changed board) answers with the board as it is now
// and a message; swap it in like a success so the card goes back and the message shows.
document.addEventListener('htmx:beforeSwap', (event) => {
  const status = event.detail.xhr.status;
  if (event.detail.target?.id === 'board' && [404, 409, 422].includes(status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After a move the board is new: keep the keyboard's place (the same card's menu), and bring a
// refusal into view, since on a phone the board's top may be far above the card.
let focused = null;
document.addEventListener('htmx:beforeRequest', (event) => {
  if (event.detail.target?.id === 'board') focused = document.activeElement?.id || null;
});
document.addEventListener('htmx:afterSettle', () => {
  if (focused) document.getElementById(focused)?.focus();
  focused = null;
  document.querySelector('#board .board-message.error')?.scrollIntoView({ block: 'center' });
});
