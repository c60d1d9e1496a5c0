// /channels — add a channel, see each one's sync state and counts, sync now, remove.
import { get, post, del } from './api.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { h, setChildren, withBusy, confirmDialog, timeEl, badge, placeholder } from './ui.js';

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

  const input = h('input', {
    id: 'add-channel-url', type: 'url', name: 'url', required: true, inputmode: 'url', autocomplete: 'off',
    placeholder: 'https://www.youtube.com/@artist/videos', 'aria-describedby': `${errorId} add-channel-hint`,
    dataset: { testid: 'add-channel-url' },
  });
  const error = h('p', { id: errorId, class: 'field-error', dataset: { testid: 'add-channel-error' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'add-channel-submit' } }, 'Add channel');
  const list = h('div', { class: 'channel-list', dataset: { testid: 'channel-list' } }, placeholder('Loading channels…'));

  const showError = (message) => {
    error.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };

  input.addEventListener('input', () => { if (input.getAttribute('aria-invalid')) showError(validateUrl(input.value)); });

  const form = h('form', {
    class: 'card add-channel', novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const problem = validateUrl(input.value);
      showError(problem);
      if (problem) {
        input.focus();
        return;
      }
      await withBusy(submit, async () => {
        try {
          const channel = await post('/api/channels', { url: input.value.trim() });
          upsert(channel, { highlight: true });
          input.value = '';
          notify(`Added ${channel.title || channel.url}. Its first sync is queued.`, { kind: 'success' });
        } catch (err) {
          showError(err.message);
          notifyError(err, 'Could not add the channel');
        }
      });
    },
  },
  h('label', { for: 'add-channel-url' }, 'Channel or playlist URL'),
  h('div', { class: 'inline-form' }, input, submit),
  h('p', { id: 'add-channel-hint', class: 'hint' }, 'Anything yt-dlp can list: a YouTube channel, a playlist, …'),
  error);

  root.append(h('section', { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Channels'),
      h('a', { class: 'btn', href: '/jobs' }, 'Open the jobs dashboard')),
    form,
    h('h2', { class: 'visually-hidden' }, 'Mirrored channels'),
    list));

  function upsert(channel, { highlight = false } = {}) {
    channels.set(channel.id, channel);
    const existing = list.querySelector(`[data-channel-id="${channel.id}"]`);
    const card = renderChannel(channel);
    if (highlight) card.classList.add('flash');
    if (existing) existing.replaceWith(card);
    else {
      list.querySelector('.placeholder')?.remove();
      list.prepend(card);
    }
  }

  function remove(id) {
    channels.delete(id);
    list.querySelector(`[data-channel-id="${id}"]`)?.remove();
    if (!channels.size) setChildren(list, placeholder('No channels yet. Add one above.'));
  }

  function renderChannel(channel) {
    const counts = channel.counts || {};
    const syncButton = h('button', {
      type: 'button', class: 'btn', dataset: { testid: `channel-sync-${channel.id}` },
      disabled: channel.state === 'syncing',
      onclick: (event) => withBusy(event.currentTarget, async () => {
        try {
          upsert(await post(`/api/channels/${channel.id}/sync`));
          notify(`Sync of ${channel.title || channel.url} queued.`, { kind: 'success' });
        } catch (err) {
          notifyError(err, 'Could not start the sync');
        }
      }),
    }, channel.state === 'syncing' ? 'Syncing…' : 'Sync now');

    const removeButton = h('button', {
      type: 'button', class: 'btn btn-danger-outline', dataset: { testid: `channel-remove-${channel.id}` },
      onclick: (event) => confirmRemove(channel, event.currentTarget),
    }, 'Remove');

    const stat = (label, value, key) => h('div', { class: 'stat', dataset: { testid: `channel-${key}-${channel.id}` } },
      h('dt', {}, label), h('dd', {}, String(value ?? 0)));

    return h('article', { class: 'card channel', dataset: { channelId: channel.id, testid: `channel-row-${channel.id}` } },
      h('div', { class: 'channel-head' },
        h('div', { class: 'channel-title' },
          h('h3', {}, channel.title || channel.url),
          h('a', { class: 'muted small url', href: channel.url, target: '_blank', rel: 'noopener noreferrer' }, channel.url)),
        badge(channel.state || 'idle', `channel-state-${channel.id}`)),
      h('dl', { class: 'stats' },
        stat('Videos', counts.videos, 'videos'),
        stat('Downloaded', counts.downloaded, 'downloaded'),
        stat('Queued', counts.queued, 'queued'),
        stat('Failed', counts.failed, 'failed')),
      h('p', { class: 'small muted' }, 'Last sync: ', timeEl(channel.last_synced_at),
        channel.sync_interval_hours ? ` · every ${channel.sync_interval_hours} h` : ''),
      channel.last_error && h('p', { class: 'error-text small', dataset: { testid: `channel-error-${channel.id}` } }, channel.last_error),
      h('div', { class: 'actions' }, syncButton, removeButton));
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
        const result = await del(`/api/channels/${channel.id}`, { delete_files: values.get('delete_files') === 'true' ? 'true' : 'false' });
        remove(channel.id);
        const files = result && result.files_deleted ? ` ${result.files_deleted} files deleted.` : '';
        notify(`Removed ${channel.title || channel.url}.${files}`, { kind: 'success' });
      } catch (err) {
        notifyError(err, 'Could not remove the channel');
      }
    });
  }

  const controller = new AbortController();
  async function load() {
    try {
      const data = await get('/api/channels', null, { signal: controller.signal });
      channels.clear();
      setChildren(list);
      const items = (data && data.channels) || [];
      if (!items.length) list.append(placeholder('No channels yet. Add one above.'));
      // The API lists newest first; prepend in reverse keeps that order.
      for (const channel of items.slice().reverse()) upsert(channel);
    } catch (err) {
      if (err.name === 'AbortError') return;
      setChildren(list, placeholder('Channels could not be loaded.'));
      notifyError(err, 'Could not load channels');
    }
  }

  const off = live.onMany({
    'channel.updated': (channel) => channel && channel.id !== undefined && upsert(channel),
    // Removed here or in another tab: `remove` ignores ids it no longer shows.
    'channel.deleted': (data) => data && data.id !== undefined && remove(data.id),
    reset: load,
  });
  load();

  return () => {
    controller.abort();
    off();
  };
}
