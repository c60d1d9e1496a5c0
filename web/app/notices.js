// Notices: short messages in ARIA live regions. Errors go to an assertive (role=alert)
// region so screen readers interrupt; everything else is polite (role=status).
import { h } from './ui.js';
import { icon } from './icons.js';

let politeRegion;
let alertRegion;

function regions() {
  if (!politeRegion) {
    politeRegion = document.getElementById('notices-status');
    alertRegion = document.getElementById('notices-alert');
  }
  // A modal <dialog> sits in the top layer and makes the rest of the page inert, so notices
  // raised while one is open (e.g. a failed Retry in the job details) live inside it meanwhile.
  const wrapper = politeRegion.parentElement;
  const host = document.querySelector('dialog[open]') || document.body;
  if (wrapper.parentElement !== host) host.append(wrapper);
  return { politeRegion, alertRegion };
}

// Before a dialog closes (and maybe gets removed), bring the notices back to the page.
document.addEventListener('close', (event) => {
  const wrapper = politeRegion && politeRegion.parentElement;
  if (wrapper && event.target.contains(wrapper)) document.body.append(wrapper);
}, true);

/**
 * Shows a notice. Options:
 *  - kind: 'info' | 'success' | 'error'
 *  - timeout: ms before it disappears (errors stay longer; 0 keeps it until closed)
 *  - action: {label, onClick, testid} — e.g. Undo; the notice closes after the action runs
 * Returns {close} so callers can dismiss it early.
 */
export function notify(message, { kind = 'info', timeout, action } = {}) {
  const { politeRegion: polite, alertRegion: alert } = regions();
  const region = kind === 'error' ? alert : polite;
  const duration = timeout ?? (kind === 'error' ? 12000 : 5000);
  let timer = null;

  const close = () => {
    clearTimeout(timer);
    node.remove();
  };

  const node = h('div', { class: `notice notice-${kind}`, dataset: { testid: 'notice', kind } },
    h('span', { class: 'notice-text', dataset: { testid: 'notice-text' } }, message),
    action && h('button', {
      type: 'button',
      class: 'btn btn-small notice-action',
      dataset: { testid: action.testid || 'notice-action' },
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        close();
        await action.onClick();
      },
    }, action.label),
    h('button', {
      type: 'button', class: 'notice-close', 'aria-label': 'Dismiss notice',
      dataset: { testid: 'notice-close' }, onclick: close,
    }, icon('close', 18)));

  region.append(node);
  // Keep the stack short on small screens.
  while (region.children.length > 4) region.firstElementChild.remove();
  if (duration > 0) timer = setTimeout(close, duration);
  return { close };
}

/** Shows an error (ApiError or anything thrown) with its message. */
export function notifyError(error, prefix) {
  const message = error && error.message ? error.message : String(error);
  console.error(prefix || 'Error', error);
  return notify(prefix ? `${prefix}: ${message}` : message, { kind: 'error' });
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
