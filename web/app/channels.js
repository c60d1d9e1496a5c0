// /channels — add a channel (saying honestly when it is already there or cannot be listed),
// and each channel as a card that follows its sync live: "Downloading 37 of 120", counts that
// link to the tracks and jobs behind them, play, sync now, remove.
import { get, api, post, del, getAll } from './api.js';
import { explainChannel, problemView, requestMessage } from './errors.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import * as player from './player.js';
import { h, setChildren, withBusy, confirmDialog, timeEl, badge, placeholder, debounce, formatAbsolute } from './ui.js';

const number = new Intl.NumberFormat();

/** Client-side check before the server sees the URL: absolute http(s) with a host. */
export function validateUrl(value) {
  const text = value.trim();
  if (!text) return 'Enter the URL of a channel or playlist.';
  let url;
  try {
    url = new URL(text);
  } catch {
    return 'That is not a valid URL. It should look like https://www.youtube.com/@name.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Only http:// and https:// URLs can be added.';
  if (!url.hostname.includes('.') && url.hostname !== 'localhost') return 'The URL needs a full host name.';
  return null;
}

export function mount(root) {
  const channels = new Map(); // id → Channel
  const errorId = 'add-channel-error';
  let watching = null; // the id of a channel just added, whose first listing we report on
  let loadFailed = false;

  const input = h('input', {
    id: 'add-channel-url', type: 'url', name: 'url', required: true, inputmode: 'url', autocomplete: 'off',
    placeholder: 'https://www.youtube.com/@artist/videos', 'aria-describedby': `${errorId} add-channel-hint add-channel-result`,
    dataset: { testid: 'add-channel-url' },
  });
  const error = h('p', { id: errorId, class: 'field-error', dataset: { testid: 'add-channel-error' } });
  const result = h('div', { id: 'add-channel-result', class: 'add-result', role: 'status', dataset: { testid: 'add-channel-result' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'add-channel-submit' } }, 'Add channel');
  const list = h('div', { class: 'channel-list', dataset: { testid: 'channel-list' } }, placeholder('Loading channels…'));

  const showError = (message) => {
    error.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };
  const showResult = (kind, ...content) => {
    result.dataset.kind = kind;
    setChildren(result, content);
  };

  input.addEventListener('input', () => { if (input.getAttribute('aria-invalid')) showError(validateUrl(input.value)); });

  const form = h('form', {
    class: 'card add-channel', novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const problem = validateUrl(input.value);
      showError(problem);
      setChildren(result);
      if (problem) {
        input.focus();
        return;
      }
      await withBusy(submit, async () => {
        try {
          const { status, data: channel } = await api('/api/channels', { method: 'POST', body: { url: input.value.trim() }, withStatus: true });
          upsert(channel, { highlight: true });
          input.value = '';
          const name = channel.title || channel.url;
          if (status === 200) {
            // The server answers 200 with the existing channel instead of adding it twice.
            showResult('info', `${name} is already in your library (added `, timeEl(channel.added_at), '). ',
              h('a', { href: `#channel-${channel.id}`, onclick: (e) => { e.preventDefault(); focusCard(channel.id); } }, 'Show it'), '.');
          } else {
            watching = channel.id;
            showResult('pending', `Added ${name}. Spool is listing its videos now; they appear here as they download.`);
          }
        } catch (err) {
          showError(requestMessage(err));
          notifyError(err, 'Could not add the channel');
        }
      });
    },
  },
  h('label', { for: 'add-channel-url' }, 'Channel or playlist URL'),
  h('div', { class: 'inline-form' }, input, submit),
  h('p', { id: 'add-channel-hint', class: 'hint' }, 'Anything yt-dlp can list: a YouTube channel, a playlist, a podcast feed…'),
  error, result);

  root.append(h('section', { class: 'page page-channels' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Channels'),
      h('a', { class: 'btn', href: '/jobs' }, icon('download', 18), 'Jobs')),
    form,
    h('h2', { class: 'visually-hidden' }, 'Mirrored channels'),
    list));

  function focusCard(id) {
    const card = list.querySelector(`[data-channel-id="${id}"]`);
    if (!card) return;
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
    card.querySelector('h3')?.setAttribute('tabindex', '-1');
    card.querySelector('h3')?.focus({ preventScroll: true });
    card.classList.remove('flash');
    void card.offsetWidth; // restart the highlight
    card.classList.add('flash');
  }

  /** The first listing of a channel just added: say how it went, next to the form. */
  function reportFirstSync(channel) {
    if (watching !== channel.id) return;
    const name = channel.title || channel.url;
    if (channel.state === 'error') {
      const problem = explainChannel(channel);
      showResult('error', h('strong', {}, `${name} could not be listed. `), problemView(problem, 'add-channel-problem'));
      watching = null;
    } else if (channel.state === 'idle' && channel.last_synced_at) {
      const sync = channel.last_sync || {};
      const c = channel.counts || {};
      showResult('success', `${name}: ${number.format(sync.read ?? c.videos ?? 0)} videos found, ${number.format(sync.new ?? c.queued ?? 0)} queued for download.`);
      watching = null;
    }
  }

  function upsert(channel, { highlight = false } = {}) {
    channels.set(channel.id, channel);
    const existing = list.querySelector(`[data-channel-id="${channel.id}"]`);
    const card = renderChannel(channel);
    if (highlight) card.classList.add('flash');
    if (existing) {
      // Keep focus on the same control across the re-render.
      const focused = existing.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
      existing.replaceWith(card);
      if (focused) card.querySelector(`[data-testid="${focused}"]`)?.focus({ preventScroll: true });
    } else {
      list.querySelector('.placeholder')?.remove();
      list.prepend(card);
    }
    reportFirstSync(channel);
  }

  function remove(id) {
    channels.delete(id);
    list.querySelector(`[data-channel-id="${id}"]`)?.remove();
    if (!channels.size) setChildren(list, placeholder('No channels yet. Add one above.'));
  }

  /** "Listing videos…", "Downloading 37 of 120", "Up to date", or the problem in plain words. */
  function activity(channel) {
    const c = channel.counts || {};
    const videos = c.videos || 0;
    const downloaded = c.downloaded || 0;
    const id = channel.id;
    if (channel.state === 'error') return problemView(explainChannel(channel) || { summary: 'The last listing failed.', remedy: 'Press Sync now to try again.' }, `channel-error-${id}`);
    let text;
    if (channel.state === 'syncing' && !videos) text = 'Listing videos…';
    else if (c.queued > 0) text = `Downloading ${number.format(downloaded)} of ${number.format(videos)}`;
    else if (channel.state === 'syncing') text = 'Checking for new videos…';
    else text = videos ? `Up to date · ${number.format(downloaded)} of ${number.format(videos)} downloaded` : 'No videos found yet';
    return h('div', { class: 'activity' },
      h('p', { class: 'activity-text', dataset: { testid: `channel-activity-${id}` } }, text),
      videos ? h('progress', { max: videos, value: downloaded, 'aria-label': `${number.format(downloaded)} of ${number.format(videos)} downloaded` }) : null);
  }

  function renderChannel(channel) {
    const counts = channel.counts || {};
    const id = channel.id;
    const name = channel.title || channel.url;
    const syncButton = h('button', {
      type: 'button', class: 'btn', dataset: { testid: `channel-sync-${id}` },
      disabled: channel.state === 'syncing',
      onclick: (event) => withBusy(event.currentTarget, async () => {
        try {
          upsert(await post(`/api/channels/${id}/sync`));
          notify(`Checking ${name} for new videos.`, { kind: 'success', key: `sync-${id}` });
        } catch (err) {
          notifyError(err, 'Could not start the sync');
        }
      }),
    }, icon('refresh', 18), channel.state === 'syncing' ? 'Syncing…' : 'Sync now');

    const playButton = h('button', {
      type: 'button', class: 'btn btn-primary', dataset: { testid: `channel-play-${id}` }, disabled: !counts.downloaded,
      onclick: (event) => withBusy(event.currentTarget, () => playChannel(channel)),
    }, icon('play', 18), 'Play');

    const removeButton = h('button', {
      type: 'button', class: 'btn btn-danger-outline', dataset: { testid: `channel-remove-${id}` },
      onclick: (event) => confirmRemove(channel, event.currentTarget),
    }, 'Remove');

    // Each count links to what it counts: the tracks in the library, the jobs on the dashboard.
    const stat = (label, value, key, href) => h('li', { class: 'stat', dataset: { testid: `channel-${key}-${id}` } },
      h('a', { href }, h('span', { class: 'stat-value' }, number.format(value ?? 0)), h('span', { class: 'stat-label' }, label)));

    return h('article', { class: 'card channel', id: `channel-${id}`, dataset: { channelId: id, testid: `channel-row-${id}`, state: channel.state || 'idle' } },
      h('div', { class: 'channel-head' },
        h('div', { class: 'channel-title' },
          h('h3', {}, name),
          h('a', { class: 'muted small url', href: channel.url, target: '_blank', rel: 'noopener noreferrer' }, channel.url)),
        badge(channel.state || 'idle', `channel-state-${id}`)),
      activity(channel),
      h('ul', { class: 'stats', 'aria-label': 'Counts' },
        stat('Videos', counts.videos, 'videos', `/jobs?channel=${id}`),
        stat('Downloaded', counts.downloaded, 'downloaded', `/library?channel=${id}`),
        stat('Queued', counts.queued, 'queued', `/jobs?channel=${id}`),
        stat('Failed', counts.failed, 'failed', `/jobs?channel=${id}`)),
      h('p', { class: 'small muted' }, 'Last sync: ', timeEl(channel.last_synced_at),
        channel.sync_interval_hours ? ` · every ${channel.sync_interval_hours} h` : '',
        channel.added_at ? [' · added ', h('time', { datetime: channel.added_at, title: formatAbsolute(channel.added_at) }, new Date(channel.added_at).toLocaleDateString())] : null),
      h('div', { class: 'actions' }, playButton, syncButton, removeButton));
  }

  async function playChannel(channel) {
    try {
      const data = await get('/api/tracks', { channel: channel.id, sort: 'oldest', limit: 200 });
      const tracks = (data && data.tracks) || [];
      if (!tracks.length) { notify(`${channel.title || 'This channel'} has no tracks yet.`, { key: 'play' }); return; }
      let cursor = data.next_before ?? null;
      player.playList(tracks, 0, {
        kind: 'channel', label: channel.title || 'Channel', href: `/library?channel=${channel.id}&sort=oldest`,
        more: cursor === null ? null : async () => {
          if (cursor === null) return [];
          const page = await get('/api/tracks', { channel: channel.id, sort: 'oldest', limit: 200, before: cursor });
          cursor = page.next_before ?? null;
          return page.tracks || [];
        },
      });
    } catch (err) {
      notifyError(err, 'Could not play the channel');
    }
  }

  async function confirmRemove(channel, button) {
    const values = await confirmDialog({
      title: `Remove ${channel.title || 'this channel'}?`,
      confirmLabel: 'Remove channel',
      danger: true,
      testid: 'remove-channel-dialog',
      body: [
        h('p', {}, 'Spool stops mirroring this channel. What should happen to its downloaded files?'),
        h('fieldset', { class: 'radio-group' },
          h('legend', { class: 'visually-hidden' }, 'Downloaded files'),
          h('label', {}, h('input', { type: 'radio', name: 'delete_files', value: 'false', checked: true, dataset: { testid: 'remove-keep-files' } }), ' Keep the files in the library'),
          h('label', {}, h('input', { type: 'radio', name: 'delete_files', value: 'true', dataset: { testid: 'remove-delete-files' } }), ' Delete the files too')),
      ],
    });
    if (!values) return;
    await withBusy(button, async () => {
      try {
        const reply = await del(`/api/channels/${channel.id}`, { delete_files: values.get('delete_files') === 'true' ? 'true' : 'false' });
        remove(channel.id);
        const files = reply && reply.files_deleted ? ` ${reply.files_deleted} files deleted.` : '';
        notify(`Removed ${channel.title || channel.url}.${files}`, { kind: 'success' });
      } catch (err) {
        notifyError(err, 'Could not remove the channel');
      }
    });
  }

  let controller = new AbortController();
  async function load() {
    controller.abort();
    controller = new AbortController();
    try {
      const items = await getAll('/api/channels', 'channels', {}, { signal: controller.signal });
      loadFailed = false;
      const ids = new Set(items.map((c) => c.id));
      for (const id of [...channels.keys()]) if (!ids.has(id)) remove(id);
      if (!items.length) { setChildren(list, placeholder('No channels yet. Add one above.')); return; }
      list.querySelector('.placeholder')?.remove();
      // The API lists newest first: prepending in reverse keeps that order for new cards.
      for (const channel of items.slice().reverse()) {
        const old = channels.get(channel.id);
        if (!old || JSON.stringify(old) !== JSON.stringify(channel)) upsert(channel);
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      if (!channels.size) setChildren(list, placeholder('Channels could not be loaded. This page retries by itself when Spool is reachable again.'));
      notifyError(err, 'Could not load channels');
    }
  }

  // The server sends `channel.updated` (with the counts) as a sync and its downloads progress.
  // A track deleted or restored by hand moves the downloaded count too without one: those
  // (rare) changes cost one refetch per burst.
  const refreshSoon = debounce(load, 500, 1500);
  const touches = (data) => data && data.channel_id !== undefined && data.channel_id !== null && channels.has(data.channel_id);
  const off = live.onMany({
    'channel.updated': (channel) => channel && channel.id !== undefined && upsert(channel),
    // Removed here or in another tab: `remove` ignores ids it no longer shows.
    'channel.deleted': (data) => data && data.id !== undefined && remove(data.id),
    'track.deleted': (track) => { if (touches(track)) refreshSoon(); },
    'track.restored': (track) => { if (touches(track)) refreshSoon(); },
    'track.purged': () => refreshSoon(),
    reset: load,
    open: () => { if (loadFailed) load(); },
  });
  load();

  return () => {
    controller.abort();
    refreshSoon.cancel();
    off();
  };
}
