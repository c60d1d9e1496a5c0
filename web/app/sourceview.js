// What the sources list and a source's own page show alike: its name and kind, what it is doing
// in one line ("Downloading 37 of 120", "Paused", the problem in plain words), its counts as
// links to what they count, and the actions (play as a queue, sync, pause, remove).
import { get, post, api, del } from './api.js';
import { explainSource, problemView } from './errors.js';
import { notify, notifyError } from './notices.js';
import * as player from './player.js';
import { h, confirmDialog } from './ui.js';

const number = new Intl.NumberFormat();
export const formatCount = (n) => number.format(n ?? 0);

export const sourceName = (source) => source.title || source.url;

export const sourceHref = (source) => `/sources/${source.id}`;

const KIND_LABELS = { channel: 'Channel', playlist: 'Playlist', video: 'Single video' };
export const kindLabel = (kind) => KIND_LABELS[kind] || String(kind || 'source');

/**
 * The entries a source means to download: everything listed except what its filters (or
 * "only new from now on") skip, and never fewer than what it has queued, failed or downloaded
 * (a first sync queues downloads in batches while it still lists: until it ends, the listed
 * count is not known).
 */
export function wanted(source) {
  const c = source.counts || {};
  return Math.max((c.downloaded || 0) + (c.queued || 0) + (c.failed || 0), (c.videos || 0) - (c.skipped || 0));
}

/** What the source is doing, in one line; the testid is `source-activity-<id>`. */
export function activityText(source) {
  const c = source.counts || {};
  const downloaded = c.downloaded || 0;
  const total = wanted(source);
  const tail = [c.failed ? `${formatCount(c.failed)} failed` : null, c.skipped ? `${formatCount(c.skipped)} skipped` : null].filter(Boolean);
  const of = `${formatCount(downloaded)} of ${formatCount(total)} downloaded`;
  if (source.paused) return [`Paused · ${of}`, c.queued ? `${formatCount(c.queued)} held` : null, ...tail].filter(Boolean).join(' · ');
  if (source.state === 'syncing') {
    const listing = source.last_synced_at ? 'Checking for new videos…' : 'Listing videos…';
    return c.queued > 0 ? `${listing} · ${of} so far` : listing;
  }
  if (c.queued > 0) return `Downloading ${formatCount(downloaded)} of ${formatCount(total)}`;
  if (!c.videos) return 'No videos found yet';
  return [`Up to date · ${of}`, ...tail].join(' · ');
}

/** The activity line with its progress bar, or the problem (with its remedy) when the sync failed. */
export function activity(source) {
  const id = source.id;
  if (source.state === 'error') {
    return problemView(explainSource(source) || { summary: 'The last sync failed.', remedy: 'Press Sync now to try again.' }, `source-error-${id}`);
  }
  const total = wanted(source);
  const downloaded = source.counts?.downloaded || 0;
  return h('div', { class: 'activity' },
    h('p', { class: 'activity-text', dataset: { testid: `source-activity-${id}` } }, activityText(source)),
    total ? h('progress', { max: total, value: downloaded, 'aria-label': `${formatCount(downloaded)} of ${formatCount(total)} downloaded` }) : null);
}

/** The counts, each a link to what it counts (`source-<count>-<id>`, the number in `.stat-value`). */
export function countLinks(source) {
  const c = source.counts || {};
  const id = source.id;
  const stat = (label, value, key, href) => h('li', { class: 'stat', dataset: { testid: `source-${key}-${id}` } },
    h('a', { href }, h('span', { class: 'stat-value' }, formatCount(value)), h('span', { class: 'stat-label' }, label)));
  return h('ul', { class: 'stats stats-5', 'aria-label': 'Counts' },
    stat('Downloaded', c.downloaded, 'downloaded', `/library?source=${id}`),
    stat('Queued', c.queued, 'queued', `/jobs?source=${id}`),
    stat('Failed', c.failed, 'failed', `/jobs?source=${id}`),
    stat('Skipped', c.skipped, 'skipped', `/sources/${id}#skipped`),
    stat('Listed', c.videos, 'videos', `/sources/${id}#tracks`));
}

/**
 * The query of a source's tracks as its page lists them and the player plays them: a playlist
 * in its own order (`sort=position`, the order its curator chose), anything else newest first.
 */
export const trackQuery = (source) => ({ source: source.id, sort: source.kind === 'playlist' ? 'position' : 'newest', limit: 200 });

/**
 * The player's description of a source's tracks as a queue ("Playing from …" links back to
 * the source's page), continuing with the next pages after `cursor`.
 */
export function queueFrom(source, cursor) {
  let next = cursor ?? null;
  return {
    kind: 'source', label: sourceName(source), href: sourceHref(source),
    more: next === null ? null : async () => {
      if (next === null) return [];
      const page = await get('/api/tracks', { ...trackQuery(source), before: next });
      next = page.next_before ?? null;
      return page.tracks || [];
    },
  };
}

/** Plays the source's tracks as a queue, from the first a playlist lists or the newest. */
export async function playSource(source) {
  try {
    const data = await get('/api/tracks', trackQuery(source));
    const tracks = (data && data.tracks) || [];
    if (!tracks.length) { notify(`${sourceName(source)} has no tracks yet.`, { key: 'play' }); return; }
    player.playList(tracks, 0, queueFrom(source, data.next_before));
  } catch (err) {
    notifyError(err, `Could not play ${sourceName(source)}`);
  }
}

/** Sync now (`full`: list everything); resolves to the source the server answers, or null. */
export async function syncSource(source, { full = false } = {}) {
  try {
    const updated = await post(`/api/sources/${source.id}/sync${full ? '?full=true' : ''}`);
    notify(full ? `Listing all of ${sourceName(source)} again.` : `Checking ${sourceName(source)} for new videos.`, { kind: 'success', key: `sync-${source.id}` });
    return updated;
  } catch (err) {
    notifyError(err, 'Could not start the sync');
    return null;
  }
}

/** Pauses or resumes; resolves to the updated source, or null. */
export async function setPaused(source, paused) {
  try {
    const updated = await api(`/api/sources/${source.id}`, { method: 'PATCH', body: { paused } });
    notify(paused ? `Paused ${sourceName(source)}: its downloads wait and it is not synced until you resume it.`
      : `Resumed ${sourceName(source)}.`, { kind: 'success', key: `pause-${source.id}` });
    return updated;
  } catch (err) {
    notifyError(err, paused ? 'Could not pause the source' : 'Could not resume the source');
    return null;
  }
}

/** Asks whether to keep the files, then removes the source; resolves true when it is gone. */
export async function confirmRemove(source) {
  const values = await confirmDialog({
    title: `Remove ${source.title || 'this source'}?`,
    confirmLabel: 'Remove source',
    danger: true,
    testid: 'remove-source-dialog',
    body: [
      h('p', {}, 'Spool stops mirroring this source. What should happen to its downloaded files?'),
      h('fieldset', { class: 'radio-group' },
        h('legend', { class: 'visually-hidden' }, 'Downloaded files'),
        h('label', {}, h('input', { type: 'radio', name: 'delete_files', value: 'false', checked: true, dataset: { testid: 'remove-keep-files' } }), ' Keep the files in the library'),
        h('label', {}, h('input', { type: 'radio', name: 'delete_files', value: 'true', dataset: { testid: 'remove-delete-files' } }), ' Delete the files too')),
    ],
  });
  if (!values) return false;
  try {
    const reply = await del(`/api/sources/${source.id}`, { delete_files: values.get('delete_files') === 'true' ? 'true' : 'false' });
    const files = reply && reply.files_deleted ? ` ${formatCount(reply.files_deleted)} files deleted.` : '';
    notify(`Removed ${sourceName(source)}.${files}`, { kind: 'success' });
    return true;
  } catch (err) {
    notifyError(err, 'Could not remove the source');
    return false;
  }
}
