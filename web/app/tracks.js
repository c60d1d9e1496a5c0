// Track actions shared by the library, the player and the overview, so rating, delete with
// undo and artwork behave (and report failures) the same everywhere.
import { api, put, del, post } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { h } from './ui.js';

export const UNDO_MS = 10000;

export const isLiked = (track) => Boolean(track && track.rating === 1);

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

/** DELETE /api/tracks/{id} → {track, undo: {method, url}}, or undefined after reporting. */
export async function trashTrack(track) {
  try {
    const result = await del(`/api/tracks/${track.id}`);
    return {
      track: (result && result.track) || track,
      undo: (result && result.undo) || { method: 'POST', url: `/api/tracks/${track.id}/restore` },
      // A listener's delete hides the track for them; an admin's moves the file to the trash.
      trashed: !result || result.trashed !== false,
    };
  } catch (error) {
    notifyError(error, `Could not delete “${track.title}”`);
    return undefined;
  }
}

/** POST /api/tracks/{id}/restore, or whatever undo descriptor the DELETE returned. */
export async function restore(track, undo = { method: 'POST', url: `/api/tracks/${track.id}/restore` }, { quiet = false } = {}) {
  try {
    const restored = await api(undo.url, { method: undo.method || 'POST' });
    if (!quiet) notify(`Restored “${track.title}”.`, { kind: 'success', key: `restored-${track.id}` });
    return restored || track;
  } catch (error) {
    notifyError(error, `Could not restore “${track.title}”`);
    return undefined;
  }
}

// ---- undo: one registry for every way a delete can be undone ----
// Each pending undo is listed until it runs, times out, or the track comes back some other
// way (restored from the trash view or another tab): then its notice or row must go, since
// its action no longer applies.
const pending = []; // {ids:Set, run, dismiss, until}, newest last

function dropUndo(entry) {
  const i = pending.indexOf(entry);
  if (i >= 0) pending.splice(i, 1);
}

/**
 * Registers an undo for the tracks `ids`: `run()` restores, `dismiss()` takes its UI away.
 * Returns the entry's `run` (idempotent).
 */
export function registerUndo(ids, run, dismiss) {
  const entry = { ids: new Set(ids), dismiss, until: Date.now() + UNDO_MS };
  let ran = false;
  entry.run = async () => {
    if (ran) return;
    ran = true;
    dropUndo(entry);
    entry.dismiss();
    await run();
  };
  pending.push(entry);
  setTimeout(() => dropUndo(entry), UNDO_MS);
  return entry.run;
}

live.on('track.restored', (track) => {
  if (!track) return;
  for (const entry of pending.slice()) {
    entry.ids.delete(track.id);
    if (!entry.ids.size) { dropUndo(entry); entry.dismiss(); }
  }
});

/** Undoes the newest delete if its Undo is still offered; false when there is none. */
export function undoLastDelete() {
  const entry = pending.filter((e) => Date.now() <= e.until).pop();
  if (!entry) return false;
  entry.run();
  return true;
}

/**
 * A notice "Moved … to the trash" with Undo for 10 s. `onRestored(track)` runs after a
 * successful undo.
 */
export function offerUndo(track, undo, { onRestored, trashed = true } = {}) {
  let notice = null;
  const run = registerUndo([track.id], async () => {
    const restored = await restore(track, undo);
    if (restored && onRestored) onRestored(restored);
  }, () => notice && notice.close());
  notice = notify(trashed ? `Moved “${track.title}” to the trash.` : `Hid “${track.title}” from your library.`, {
    timeout: UNDO_MS, key: `undo-${track.id}`,
    action: { label: 'Undo', testid: 'notice-undo', onClick: run },
  });
  return run;
}

/**
 * One action on many tracks in one request (`POST /api/tracks/bulk`): like, dislike, clear,
 * delete or restore. Resolves to `{tracks, failed}` (the tracks as they are now, and the ones
 * that failed with why, which are reported here), or undefined after reporting a refused request.
 */
export async function bulk(action, ids) {
  try {
    const reply = await post('/api/tracks/bulk', { action, ids });
    const failed = (reply && reply.failed) || [];
    if (failed.length) {
      notify(`${failed.length} of ${ids.length} track(s) could not be changed: ${failed[0].error}`, { kind: 'error', key: 'bulk-failed' });
    }
    return { tracks: (reply && reply.tracks) || [], failed };
  } catch (error) {
    notifyError(error, 'Could not change the selected tracks');
    return undefined;
  }
}

/** Like and dislike toggle buttons with aria-pressed reflecting the current rating. */
export function ratingButtons(track, onChange) {
  const liked = track.rating === 1;
  const make = (value, label, glyph) => h('button', {
    type: 'button',
    class: `btn btn-icon rate rate-${value > 0 ? 'like' : 'dislike'}`,
    'aria-pressed': String(track.rating === value),
    'aria-label': `${label} “${track.title}”`,
    title: track.rating === value ? `${label}d (click to clear)` : label,
    dataset: { testid: `track-${value > 0 ? 'like' : 'dislike'}-${track.id}` },
    onclick: (event) => onChange(toggledRating(track, value), event.currentTarget),
  }, glyph);
  return [make(1, 'Like', icon(liked ? 'heart' : 'heartOutline', 20)), make(-1, 'Dislike', icon('dislike', 20))];
}

/**
 * Artwork slot: the track's square artwork, or a neutral placeholder. Decorative (the title is
 * next to it). The one place that knows where artwork comes from: the server's square JPEG
 * (`artwork_url`), 96 px for rows and the full cover for the player, cached by ETag.
 */
export function artwork(track, size = 48) {
  if (track.has_thumbnail && track.artwork_url) {
    const src = `${track.artwork_url}?size=${size <= 96 ? 'list' : 'cover'}`;
    const img = h('img', { class: 'art', src, alt: '', width: size, height: size, loading: 'lazy', decoding: 'async' });
    // A missing image falls back to the placeholder instead of a broken-image icon.
    img.addEventListener('error', () => img.replaceWith(placeholderArt(size)), { once: true });
    return img;
  }
  return placeholderArt(size);
}

function placeholderArt(size) {
  return h('span', { class: 'art art-empty', 'aria-hidden': 'true', style: `width:${size}px;height:${size}px` }, icon('note', Math.round(size / 2)));
}
