// yt-dlp as the health and settings pages show it: its Update button (POST /api/ytdlp/update;
// the outcome arrives live as `ytdlp.update`) and that outcome as a notice.
import { post } from './api.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { h, withBusy } from './ui.js';

/**
 * The Update button (`health-ytdlp-update`), or why yt-dlp cannot be updated here (e.g. a
 * system package), or nothing. `onStarted` runs once the server took the request.
 */
export function updateButton(yt, onStarted = () => {}) {
  const update = (yt && yt.update) || {};
  if (!update.updatable) return update.not_updatable_reason ? h('span', { class: 'small muted', dataset: { testid: 'ytdlp-not-updatable' } }, update.not_updatable_reason) : null;
  return h('button', {
    type: 'button', class: 'btn btn-small', disabled: Boolean(update.updating), dataset: { testid: 'health-ytdlp-update' },
    onclick: (e) => withBusy(e.currentTarget, async () => {
      try {
        const reply = await post('/api/ytdlp/update');
        notify(reply && reply.already_running ? 'An update of yt-dlp is already running.' : 'Updating yt-dlp; the result shows here when it is done.', { key: 'ytdlp' });
        onStarted();
      } catch (err) {
        notifyError(err, 'Could not start the yt-dlp update');
      }
    }),
  }, update.updating ? 'Updating…' : 'Update yt-dlp');
}

/** Reports each update's outcome (started here, on another page or by the daily check) and calls `then`. */
export function onUpdate(then = () => {}) {
  return live.on('ytdlp.update', (record) => {
    if (record && record.message) notify(record.message, { key: 'ytdlp', kind: ['failed', 'refused'].includes(record.result) ? 'error' : 'success' });
    then(record);
  });
}
