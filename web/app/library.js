// /library — search and filter the library, play tracks inline, rate, delete with undo,
// and the Trash view with restore and "Empty trash".
import { get, del } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { bindMedia } from './telemetry.js';
import { rate, deleteWithUndo, restore, ratingButtons, artwork } from './tracks.js';
import { h, setChildren, withBusy, debounce, confirmDialog, placeholder, replaceKeepingFocus, formatDuration, formatBytes, timeEl } from './ui.js';

const PAGE = 100;

export function mount(root) {
  const params = new URLSearchParams(location.search);
  const state = {
    view: params.get('view') === 'trash' ? 'trash' : 'library',
    q: params.get('q') || '',
    channel: params.get('channel') || '',
    rating: params.get('rating') || '',
    sort: params.get('sort') || 'newest',
  };
  const tracks = new Map();
  let nextBefore = null;
  let controller = new AbortController();
  let playing = null; // Track in the mini player

  // ---- controls ----
  const search = h('input', { id: 'library-search', type: 'search', value: state.q, placeholder: 'Title, channel, uploader…', autocomplete: 'off', dataset: { testid: 'library-search' } });
  const channelSelect = h('select', { id: 'library-channel', dataset: { testid: 'library-channel' } }, h('option', { value: '' }, 'All channels'));
  const ratingSelect = h('select', { id: 'library-rating', dataset: { testid: 'library-rating' } },
    h('option', { value: '' }, 'Any rating'), h('option', { value: '1' }, 'Liked'), h('option', { value: '-1' }, 'Disliked'));
  ratingSelect.value = state.rating;
  const sortSelect = h('select', { id: 'library-sort', dataset: { testid: 'library-sort' } },
    h('option', { value: 'newest' }, 'Newest'), h('option', { value: 'oldest' }, 'Oldest'),
    h('option', { value: 'title' }, 'Title'), h('option', { value: 'plays' }, 'Most played'));
  sortSelect.value = state.sort;

  const viewButton = (view, label) => h('button', {
    type: 'button', class: 'segment', 'aria-pressed': String(state.view === view), dataset: { testid: `library-view-${view}` },
    onclick: () => { state.view = view; syncUrl(); renderControls(); reload(); },
  }, label);
  const views = h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' });
  const emptyTrash = h('button', {
    type: 'button', class: 'btn btn-danger-outline', dataset: { testid: 'trash-empty' },
    onclick: (event) => emptyTheTrash(event.currentTarget),
  }, 'Empty trash');

  const filters = h('form', { class: 'filters card', role: 'search', onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
    h('div', { class: 'field grow' }, h('label', { for: 'library-search' }, 'Search'), search),
    h('div', { class: 'field' }, h('label', { for: 'library-channel' }, 'Channel'), channelSelect),
    h('div', { class: 'field' }, h('label', { for: 'library-rating' }, 'Rating'), ratingSelect),
    h('div', { class: 'field' }, h('label', { for: 'library-sort' }, 'Sort'), sortSelect));

  const summary = h('p', { class: 'small muted', dataset: { testid: 'library-summary' }, 'aria-live': 'polite' });
  const list = h('ul', { class: 'track-list', dataset: { testid: 'track-list' } });
  const loadMore = h('button', { type: 'button', class: 'btn', hidden: true, dataset: { testid: 'library-load-more' }, onclick: (e) => withBusy(e.currentTarget, () => fetchPage(true)) }, 'Load more');

  // ---- mini player ----
  const miniTitle = h('div', { class: 'mini-title', dataset: { testid: 'mini-title' } });
  const mini = h('div', { class: 'mini-player', hidden: true, role: 'region', 'aria-label': 'Now playing', dataset: { testid: 'mini-player' } });
  let media = null;
  let binding = null;

  root.append(h('section', { class: 'page page-library' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Library'), views,
      h('a', { class: 'btn', href: '/likes_player/0', dataset: { testid: 'library-open-player' } }, icon('heart', 18), 'Play likes')),
    filters, h('div', { class: 'list-head' }, summary, emptyTrash), list, h('div', { class: 'load-more' }, loadMore), mini));

  function renderControls() {
    setChildren(views, viewButton('library', 'Library'), viewButton('trash', 'Trash'));
    filters.hidden = state.view === 'trash';
    emptyTrash.hidden = state.view !== 'trash';
  }

  function syncUrl() {
    const query = new URLSearchParams();
    if (state.view === 'trash') query.set('view', 'trash');
    for (const key of ['q', 'channel', 'rating']) if (state[key]) query.set(key, state[key]);
    if (state.sort !== 'newest') query.set('sort', state.sort);
    const qs = query.toString();
    history.replaceState({}, '', qs ? `/library?${qs}` : '/library');
  }

  function applyFilters() {
    state.q = search.value.trim();
    state.channel = channelSelect.value;
    state.rating = ratingSelect.value;
    state.sort = sortSelect.value;
    syncUrl();
    reload();
  }
  const applySoon = debounce(applyFilters, 300);
  search.addEventListener('input', applySoon);
  for (const select of [channelSelect, ratingSelect, sortSelect]) select.addEventListener('change', applyFilters);

  // ---- rows ----
  function renderRow(track) {
    const trashed = state.view === 'trash';
    const isPlaying = playing && playing.id === track.id;
    return h('li', { class: `track${isPlaying ? ' is-playing' : ''}`, dataset: { trackId: track.id, testid: `track-row-${track.id}` } },
      trashed ? artwork(track) : h('button', {
        type: 'button', class: 'play-art', 'aria-label': `Play “${track.title}”`, dataset: { testid: `track-play-${track.id}` },
        onclick: () => play(track),
      }, artwork(track), h('span', { class: 'play-icon' }, icon(isPlaying ? 'note' : 'play'))),
      h('div', { class: 'track-main' },
        h('div', { class: 'track-title' }, track.title),
        h('div', { class: 'small muted' },
          [track.channel_title || track.uploader, formatDuration(track.duration), formatBytes(track.size),
            track.play_count ? `${track.play_count} plays` : null].filter(Boolean).join(' · '),
          trashed && track.deleted_at ? [' · deleted ', timeEl(track.deleted_at)] : null)),
      h('div', { class: 'track-actions' }, trashed
        ? h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `track-restore-${track.id}` }, onclick: (e) => withBusy(e.currentTarget, () => restoreRow(track)) }, 'Restore')
        : [
          ratingButtons(track, (value, button) => withBusy(button, async () => {
            const updated = await rate(track, value);
            if (updated) upsert(updated);
          })),
          h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': `Delete “${track.title}”`, title: 'Move to trash', dataset: { testid: `track-delete-${track.id}` }, onclick: (e) => withBusy(e.currentTarget, () => deleteRow(track)) }, icon('trash', 18)),
        ]));
  }

  function rowOf(id) {
    return list.querySelector(`[data-track-id="${id}"]`);
  }

  function upsert(track, { index = null } = {}) {
    tracks.set(track.id, track);
    const existing = rowOf(track.id);
    const row = renderRow(track);
    if (existing) {
      replaceKeepingFocus(existing, row);
      return;
    }
    list.querySelector('.placeholder')?.remove();
    list.insertBefore(row, index === null ? list.firstChild : list.children[index] || null);
    renderSummary();
  }

  function removeRow(id) {
    const row = rowOf(id);
    const index = row ? [...list.children].indexOf(row) : -1;
    // Keep keyboard focus in the list: move it to the next row's first control.
    const nextFocus = row && row.contains(document.activeElement) ? (row.nextElementSibling || row.previousElementSibling) : null;
    row?.remove();
    tracks.delete(id);
    nextFocus?.querySelector('button')?.focus();
    renderSummary();
    return index;
  }

  async function deleteRow(track) {
    let index = -1; // where the row was, so Undo puts it back in place
    const deleted = await deleteWithUndo(track, {
      onRestored: (restored) => { if (state.view === 'library') upsert(restored, { index: Math.max(0, index) }); },
    });
    if (!deleted) return;
    index = removeRow(track.id);
    if (playing && playing.id === track.id) stop();
  }

  async function restoreRow(track) {
    const restored = await restore(track);
    if (restored) removeRow(track.id);
  }

  async function emptyTheTrash(button) {
    const ok = await confirmDialog({
      title: 'Empty the trash?',
      body: h('p', {}, 'Files in the trash are deleted for good. This cannot be undone.'),
      confirmLabel: 'Empty trash', danger: true, testid: 'empty-trash-dialog',
    });
    if (!ok) return;
    await withBusy(button, async () => {
      try {
        const result = await del('/api/trash');
        notify(`Deleted ${result ? result.purged : 0} track(s) for good.`, { kind: 'success' });
        reload();
      } catch (err) {
        notifyError(err, 'Could not empty the trash');
      }
    });
  }

  function renderSummary() {
    const more = nextBefore !== null && nextBefore !== undefined;
    loadMore.hidden = !more;
    const noun = state.view === 'trash' ? 'in the trash' : 'tracks';
    summary.textContent = tracks.size ? `${tracks.size}${more ? '+' : ''} ${noun}` : '';
    if (!tracks.size && !list.querySelector('.placeholder')) {
      list.append(placeholder(state.view === 'trash' ? 'The trash is empty.'
        : (state.q || state.channel || state.rating) ? 'No tracks match these filters.' : 'The library is empty. Add a channel to fill it.'));
    }
    if (state.view === 'trash') emptyTrash.disabled = emptyTrash.dataset.busy === 'true' || !tracks.size;
  }

  async function fetchPage(more = false) {
    const { signal } = controller;
    try {
      let data;
      if (state.view === 'trash') {
        data = await get('/api/trash', null, { signal });
      } else {
        data = await get('/api/tracks', {
          q: state.q, channel: state.channel, rating: state.rating, sort: state.sort,
          limit: PAGE, before: more ? nextBefore : null,
        }, { signal });
      }
      if (signal.aborted) return;
      nextBefore = state.view === 'trash' ? null : data.next_before ?? null;
      if (!more) setChildren(list);
      for (const track of data.tracks || []) {
        tracks.set(track.id, track);
        list.append(renderRow(track));
      }
      renderSummary();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (!more) setChildren(list, placeholder('Tracks could not be loaded.'));
      notifyError(err, 'Could not load the library');
    }
  }

  function reload() {
    controller.abort();
    controller = new AbortController();
    tracks.clear();
    nextBefore = null;
    setChildren(list, placeholder('Loading…'));
    return fetchPage(false);
  }

  async function loadChannels() {
    try {
      const data = await get('/api/channels');
      for (const channel of (data && data.channels) || []) {
        channelSelect.append(h('option', { value: String(channel.id) }, channel.title || channel.url));
      }
      channelSelect.value = state.channel;
    } catch (err) {
      notifyError(err, 'Could not load the channel list');
    }
  }

  // ---- inline playback ----
  function play(track) {
    const wantsVideo = (track.mime_type || '').startsWith('video/');
    if (!media || (media.tagName === 'VIDEO') !== wantsVideo) {
      binding?.detach();
      media = h(wantsVideo ? 'video' : 'audio', { controls: true, preload: 'auto', playsinline: true, dataset: { testid: 'library-media' } });
      media.addEventListener('error', () => {
        if (media.error) notify(`Could not play “${playing ? playing.title : 'track'}” (media error ${media.error.code}).`, { kind: 'error' });
      });
      binding = bindMedia(media, () => playing);
    }
    const previous = playing;
    playing = track;
    media.src = track.media_url;
    setChildren(mini, h('div', { class: 'mini-info' }, artwork(track, 40), miniTitle),
      media,
      h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': 'Close player', dataset: { testid: 'mini-close' }, onclick: stop }, icon('close')));
    setChildren(miniTitle, h('strong', {}, track.title), h('span', { class: 'small muted' }, track.channel_title || ''));
    mini.hidden = false;
    media.play().catch((err) => { if (err.name !== 'AbortError') notifyError(err, 'Playback did not start'); });
    for (const t of [previous, track]) if (t && tracks.has(t.id)) upsert(tracks.get(t.id));
  }

  function stop() {
    const previous = playing;
    playing = null;
    if (media) { media.pause(); media.removeAttribute('src'); media.load(); }
    mini.hidden = true;
    if (previous && tracks.has(previous.id)) upsert(tracks.get(previous.id));
  }

  const reloadSoon = debounce(reload, 500);
  const off = live.onMany({
    'track.added': (track) => {
      // Only where it certainly belongs: the unfiltered, newest-first library view.
      if (state.view === 'library' && !state.q && !state.channel && !state.rating && state.sort === 'newest') upsert(track);
    },
    'track.updated': (track) => { if (tracks.has(track.id)) upsert(track); },
    'track.deleted': (track) => {
      if (state.view === 'library' && tracks.has(track.id)) removeRow(track.id);
      if (state.view === 'trash') upsert(track);
    },
    'track.restored': (track) => {
      if (state.view === 'trash') removeRow(track.id);
      else if (!tracks.has(track.id) && !state.q && !state.channel && !state.rating) reloadSoon();
    },
    reset: () => reload(),
  });

  renderControls();
  loadChannels();
  reload();

  return () => {
    controller.abort();
    applySoon.cancel();
    reloadSoon.cancel();
    off();
    binding?.detach();
    if (media) media.pause();
  };
}
