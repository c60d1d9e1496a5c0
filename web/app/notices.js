// Notices: short messages in ARIA live regions. Errors go to an assertive (role=alert)
// region so screen readers interrupt; everything else is polite (role=status).
//
// They live in the dock above the player bar (index.html), a grid row of the app shell: the
// page scrolls above them, so a notice never lies on top of a control. A notice with a `key`
// replaces the one before it with the same key (volume steps, rating changes), and callers
// close notices whose action no longer applies (an Undo after the track came back).
import { requestMessage } from './errors.js';
import { h } from './ui.js';
import { icon } from './icons.js';

let politeRegion;
let alertRegion;
const byKey = new Map(); // key → {close}

function regions() {
  if (!politeRegion) {
    politeRegion = document.getElementById('notices-status');
    alertRegion = document.getElementById('notices-alert');
  }
  // A modal <dialog> sits in the top layer and makes the rest of the page inert, so notices
  // raised while one is open (e.g. a failed Retry in the job details) live inside it meanwhile.
  const wrapper = politeRegion.parentElement;
  const home = document.getElementById('dock');
  const host = document.querySelector('dialog[open]') || home;
  if (wrapper.parentElement !== host) {
    if (host === home) home.prepend(wrapper); else host.append(wrapper);
  }
  return { politeRegion, alertRegion };
}

// Before a dialog closes (and maybe gets removed), bring the notices back to the dock.
document.addEventListener('close', (event) => {
  const wrapper = politeRegion && politeRegion.parentElement;
  if (wrapper && event.target.contains(wrapper)) document.getElementById('dock').prepend(wrapper);
}, true);

/**
 * Shows a notice. Options:
 *  - kind: 'info' | 'success' | 'error'
 *  - timeout: ms before it disappears (errors stay longer; 0 keeps it until closed)
 *  - action: {label, onClick, testid} — e.g. Undo; the notice closes after the action runs
 *  - key: a newer notice with the same key replaces this one
 * Returns {close} so callers can dismiss it early.
 */
export function notify(message, { kind = 'info', timeout, action, key } = {}) {
  const { politeRegion: polite, alertRegion: alert } = regions();
  const region = kind === 'error' ? alert : polite;
  const duration = timeout ?? (kind === 'error' ? 12000 : 5000);
  let timer = null;
  if (key && byKey.has(key)) byKey.get(key).close();

  const handle = {
    close: () => {
      clearTimeout(timer);
      node.remove();
      if (key && byKey.get(key) === handle) byKey.delete(key);
    },
  };

  const node = h('div', { class: `notice notice-${kind}`, dataset: { testid: 'notice', kind, key: key || null } },
    h('span', { class: 'notice-text', dataset: { testid: 'notice-text' } }, message),
    action && h('button', {
      type: 'button',
      class: 'btn btn-small notice-action',
      dataset: { testid: action.testid || 'notice-action' },
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        handle.close();
        await action.onClick();
      },
    }, action.label),
    h('button', {
      type: 'button', class: 'notice-close', 'aria-label': 'Dismiss notice',
      dataset: { testid: 'notice-close' }, onclick: handle.close,
    }, icon('close', 18)));

  region.append(node);
  if (key) byKey.set(key, handle);
  // Keep the stack short: three lines above the player at most.
  while (region.children.length > 3) region.firstElementChild.remove();
  if (duration > 0) timer = setTimeout(handle.close, duration);
  return handle;
}

/** Closes the notice with this key, if it is still up. */
export function closeNotice(key) {
  byKey.get(key)?.close();
}

/** Shows an error (ApiError or anything thrown) in plain words. */
export function notifyError(error, prefix, { key } = {}) {
  const message = requestMessage(error);
  // Network failures are expected while the server restarts: a warning, not a console error.
  if (error && error.code === 'network') console.warn(prefix || 'Error', message);
  else console.error(prefix || 'Error', error);
  // One "cannot be reached" notice at a time, however many requests failed.
  const noticeKey = key || (error && error.code === 'network' ? 'network' : undefined);
  return notify(prefix ? `${prefix}: ${message}` : message, { kind: 'error', key: noticeKey });
}

/** Runs an async action and reports its failure instead of letting it vanish. */
export async function attempt(action, prefix) {
  try {
    return await action();
  } catch (error) {
    if (error && error.name === 'AbortError') return undefined;
    notifyError(error, prefix);
    return undefined;
  }
}
