// Track actions shared by the library and the player, so rating and delete-with-undo behave
// (and report failures) the same everywhere.
import { api, put, del } from './api.js';
import { icon } from './icons.js';
import { notify, notifyError } from './notices.js';
import { h } from './ui.js';

export const UNDO_MS = 10000;

/** PUT /api/tracks/{id}/rating; returns the updated Track or undefined after reporting. */
export async function rate(track, value) {
  try {
    return await put(`/api/tracks/${track.id}/rating`, { value });
  } catch (error) {
    notifyError(error, `Could not rate “${track.title}”`);
    return undefined;
  }
}

/** The next rating when a like (+1) or dislike (-1) button is pressed: pressing it again clears. */
export function toggledRating(track, value) {
  return track.rating === value ? 0 : value;
}

/**
 * Moves a track to the trash and shows a notice with Undo for 10 s.
 * `onRestored(track)` runs after a successful undo. Returns the deleted Track or undefined.
 */
export async function deleteWithUndo(track, { onRestored } = {}) {
  let result;
  try {
    result = await del(`/api/tracks/${track.id}`);
  } catch (error) {
    notifyError(error, `Could not delete “${track.title}”`);
    return undefined;
  }
  const undo = result && result.undo ? result.undo : { method: 'POST', url: `/api/tracks/${track.id}/restore` };
  const run = async () => {
    if (lastUndo && lastUndo.run === run) lastUndo = null;
    const restored = await restore(track, undo);
    if (restored && onRestored) onRestored(restored);
  };
  const notice = notify(`Moved “${track.title}” to the trash.`, {
    timeout: UNDO_MS,
    action: { label: 'Undo', testid: 'notice-undo', onClick: run },
  });
  lastUndo = { run, notice, until: Date.now() + UNDO_MS };
  return (result && result.track) || track;
}

let lastUndo = null; // the newest delete's undo, while its notice is up (the Z shortcut)

/** Undoes the newest delete if its Undo notice is still showing; false when there is none. */
export function undoLastDelete() {
  if (!lastUndo || Date.now() > lastUndo.until) return false;
  const { run, notice } = lastUndo;
  lastUndo = null;
  notice.close();
  run();
  return true;
}

/** POST /api/tracks/{id}/restore, or whatever undo descriptor the DELETE returned. */
export async function restore(track, undo = { method: 'POST', url: `/api/tracks/${track.id}/restore` }) {
  try {
    const restored = await api(undo.url, { method: undo.method || 'POST' });
    notify(`Restored “${track.title}”.`, { kind: 'success' });
    return restored || track;
  } catch (error) {
    notifyError(error, `Could not restore “${track.title}”`);
    return undefined;
  }
}

/** Like and dislike toggle buttons with aria-pressed reflecting the current rating. */
export function ratingButtons(track, onChange) {
  const make = (value, label, icon) => h('button', {
    type: 'button',
    class: `btn btn-icon rate rate-${value > 0 ? 'like' : 'dislike'}`,
    'aria-pressed': String(track.rating === value),
    'aria-label': `${label} “${track.title}”`,
    title: label,
    dataset: { testid: `track-${value > 0 ? 'like' : 'dislike'}-${track.id}` },
    onclick: (event) => onChange(toggledRating(track, value), event.currentTarget),
  }, icon);
  return [make(1, 'Like', icon('heart', 18)), make(-1, 'Dislike', icon('dislike', 18))];
}

/** Thumbnail or a neutral placeholder, decorative (the title is next to it). */
export function artwork(track, size = 48) {
  if (track.has_thumbnail && track.thumbnail_url) {
    return h('img', { class: 'art', src: track.thumbnail_url, alt: '', width: size, height: size, loading: 'lazy' });
  }
  return h('span', { class: 'art art-empty', 'aria-hidden': 'true', style: `width:${size}px;height:${size}px` }, icon('note', Math.round(size / 2)));
}
