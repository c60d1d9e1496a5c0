// Small DOM and formatting helpers shared by every page.

/**
 * Builds an element: h('button', {class: 'btn', onclick: fn, dataset: {testid: 'x'}}, 'Label').
 * Attributes starting with "on" become listeners; `dataset` maps to data-*; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = v;
    } else if (key === 'class') {
      el.className = value;
    } else if (key in el && typeof value !== 'string') {
      el[key] = value; // properties such as `checked`, `value`, `disabled`
    } else {
      el.setAttribute(key, value === true ? '' : value);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `el`. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Runs `action` with the button marked busy: disabled and aria-busy while the request is in
 * flight, so a double click cannot send the request twice. Errors propagate to the caller.
 */
export async function withBusy(button, action) {
  if (!button || button.dataset.busy === 'true') return undefined;
  const wasDisabled = button.disabled;
  setBusy(button, true);
  try {
    return await action();
  } finally {
    // The button may have been re-rendered away; resetting a detached node is harmless.
    setBusy(button, false, wasDisabled);
  }
}

/** Marks a button busy (disabled, aria-busy, spinner via CSS) or clears it. */
export function setBusy(button, busy, disabledAfter = false) {
  if (busy) {
    button.dataset.busy = 'true';
    button.setAttribute('aria-busy', 'true');
    button.disabled = true;
  } else {
    delete button.dataset.busy;
    button.removeAttribute('aria-busy');
    button.disabled = disabledAfter;
  }
}

/**
 * Swaps a re-rendered element in, keeping keyboard focus on the control with the same
 * data-testid, so live updates never yank focus away from the user.
 */
export function replaceKeepingFocus(oldEl, newEl) {
  const active = document.activeElement;
  const testid = active && oldEl.contains(active) ? active.dataset.testid : null;
  oldEl.replaceWith(newEl);
  if (testid) {
    const target = newEl.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
    if (target && !target.disabled) target.focus({ preventScroll: true });
    else newEl.focus?.({ preventScroll: true });
  }
}

/**
 * Makes `container`'s children the rows of `items`, in order, reusing the row of an item whose
 * signature (`sign(item)`) is unchanged and rendering the others. Rows that stay are moved only
 * when out of place, so a live update neither rebuilds the list nor drops keyboard focus.
 */
export function reconcile(container, items, { key, sign, render }) {
  const active = document.activeElement;
  const focusId = active && container.contains(active) ? active.dataset.testid : null;
  const existing = new Map();
  for (const el of [...container.children]) {
    if (el.dataset.key) existing.set(el.dataset.key, el); else el.remove();
  }
  const rows = items.map((item) => {
    const k = String(key(item));
    const signature = sign(item);
    let el = existing.get(k);
    existing.delete(k);
    if (!el || el.dataset.sign !== signature) {
      const fresh = render(item);
      fresh.dataset.key = k;
      fresh.dataset.sign = signature;
      if (el) el.replaceWith(fresh);
      el = fresh;
    }
    return el;
  });
  for (const el of existing.values()) el.remove();
  let ref = container.firstElementChild;
  for (const el of rows) {
    if (el === ref) { ref = ref.nextElementSibling; continue; }
    container.insertBefore(el, ref);
  }
  if (focusId && !container.contains(document.activeElement)) {
    const target = container.querySelector(`[data-testid="${CSS.escape(focusId)}"]`);
    if (target && !target.disabled) target.focus({ preventScroll: true });
  }
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || Number.isNaN(Number(bytes))) return '—';
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

/** 215.3 → "3:35", 3725 → "1:02:05". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const total = Math.max(0, Math.floor(Number(seconds)));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

/** Long spans for uptime and ETA: 93784 → "1d 2h 3m". */
export function formatSpan(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  let rest = Math.max(0, Math.round(Number(seconds)));
  if (rest < 60) return `${rest}s`;
  const parts = [];
  for (const [size, unit] of [[86400, 'd'], [3600, 'h'], [60, 'm']]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (parts.length < 2 && rest) parts.push(`${rest}s`);
  return parts.slice(0, 2).join(' ');
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago" for an ISO time, "—" for null. */
export function formatAgo(iso) {
  if (!iso) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return String(iso);
  const diff = (then - Date.now()) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return relative.format(Math.round(diff), 'second');
  if (abs < 2700) return relative.format(Math.round(diff / 60), 'minute');
  if (abs < 79200) return relative.format(Math.round(diff / 3600), 'hour');
  return relative.format(Math.round(diff / 86400), 'day');
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "6 Dec 2026, 12:03:15" — the exact local time. */
export function formatAbsolute(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso ?? '—') : absoluteFormat.format(t);
}

/** "12:03:15" today, "5 Dec 12:03:15" on another day: timelines read in absolute times. */
export function formatClock(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso ?? '—');
  const sameDay = new Date(t).toDateString() === new Date().toDateString();
  return sameDay ? clockFormat.format(t) : `${dayFormat.format(t)} ${clockFormat.format(t)}`;
}

/**
 * A <time> showing the relative time ("3 minutes ago") that keeps ticking, with the exact time
 * on hover (title). `absolute: true` shows the exact clock time instead (timelines), with the
 * relative time on hover.
 */
export function timeEl(iso, { absolute = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  if (absolute) return h('time', { datetime: iso, title: formatAgo(iso) }, formatClock(iso));
  return h('time', { datetime: iso, title: formatAbsolute(iso), dataset: { ago: '' } }, formatAgo(iso));
}

/** Refreshes every ticking <time> on the page; runs every 15 s while the tab is visible. */
export function tickTimes(root = document) {
  for (const el of root.querySelectorAll('time[data-ago]')) {
    const text = formatAgo(el.getAttribute('datetime'));
    if (el.textContent !== text) el.textContent = text;
  }
}
setInterval(() => { if (document.visibilityState === 'visible') tickTimes(); }, 15000);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') tickTimes(); });

/**
 * Calls `fn` only after `ms` of quiet (search-as-you-type). With `maxWait`, a steady stream of
 * calls (live events during a big sync) still runs `fn` at least that often.
 */
export function debounce(fn, ms, maxWait = Infinity) {
  let timer = null;
  let first = null;
  const run = (args) => {
    clearTimeout(timer);
    timer = null;
    first = null;
    fn(...args);
  };
  const wrapped = (...args) => {
    const now = Date.now();
    if (first === null) first = now;
    clearTimeout(timer);
    const wait = Math.min(ms, Math.max(0, first + maxWait - now));
    timer = setTimeout(() => run(args), wait);
  };
  wrapped.cancel = () => { clearTimeout(timer); timer = null; first = null; };
  return wrapped;
}

/**
 * A modal confirmation built on <dialog> (focus trap and Escape come from the browser).
 * `body` may contain form controls; `onConfirm(form)` reads them. Resolves true when confirmed.
 */
export function confirmDialog({ title, body = [], confirmLabel = 'Confirm', danger = false, testid = 'confirm-dialog' }) {
  return new Promise((resolve) => {
    const titleId = `dlg-title-${Math.random().toString(36).slice(2)}`;
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId }, title),
      h('div', { class: 'dialog-body' }, body),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'btn', dataset: { testid: `${testid}-cancel` } }, 'Cancel'),
        h('button', { type: 'submit', value: 'ok', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, dataset: { testid: `${testid}-confirm` } }, confirmLabel)));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, dataset: { testid } }, form);
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      const values = new FormData(form);
      dialog.remove();
      resolve(ok ? values : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A status pill; the status doubles as a CSS hook for its colour. */
export function badge(status, testid) {
  return h('span', { class: `badge badge-${status}`, dataset: { testid } }, String(status).replace(/_/g, ' '));
}

/** Empty-state / loading placeholder; `tag` 'li' inside a list (a list holds only items). */
export function placeholder(text, tag = 'p') {
  return h(tag, { class: 'placeholder' }, text);
}

export function escapeSelector(value) {
  return CSS.escape(String(value));
}
