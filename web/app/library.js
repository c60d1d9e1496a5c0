// /library — the library as a music app's list: search and filters (kept in the URL), the
// real count, every list playable as a queue (the library with its filters, a source's
// tracks, a search result, the history), likes and dislikes visible at a glance, multi-select
// (like, dislike, add to queue, delete), and the views History (?view=history) and Trash
// (?view=trash, restore and "Empty trash").
//
// Every view is windowed (windowed.js): however many tracks are loaded, only the rows near the
// viewport are in the DOM, and the next page (by cursor) loads as the user scrolls toward the
// end. The count is the server's (`total`, kept by the database); a search's is counted up to
// 1,000 (`total_is_exact` false past it: "1,000+ tracks").
import { isAdmin } from './session.js';
import { get, del } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import * as player from './player.js';
import {
  rate, trashTrack, restore, registerUndo, ratingButtons, artwork, bulk, toggledRating, UNDO_MS,
} from './tracks.js';
import {
  h, setChildren, withBusy, debounce, confirmDialog, placeholder, replaceKeepingFocus, formatDuration, timeEl,
} from './ui.js';
import { sourceMenu } from './sourcemenu.js';
import { windowed } from './windowed.js';

const PAGE = 200;

const number = new Intl.NumberFormat();

export function mount(root) {
  const params = new URLSearchParams(location.search);
  const view = ['trash', 'history'].includes(params.get('view')) ? params.get('view') : 'library';
  const state = {
    view,
    q: params.get('q') || '',
    source: params.get('source') || '',
    rating: params.get('rating') || '',
    sort: params.get('sort') || 'newest',
  };
  let nextBefore = null;
  let fetching = null; // the page being loaded, if any
  const historySeen = new Set(); // history: one row per track, at its latest play
  let controller = new AbortController();
  let loadFailed = false;
  let total = null; // the server's count of the current list, or null while unknown
  let totalIsExact = true; // false: the list holds more than `total` (a search past the server's cap)
  let selecting = false;
  const selected = new Set();

  // ---- controls ----
  const search = h('input', { id: 'library-search', type: 'search', value: state.q, placeholder: 'Search titles and uploaders', autocomplete: 'off', enterkeyhint: 'search', dataset: { testid: 'library-search' } });
  const sourceSelect = h('select', { id: 'library-source', dataset: { testid: 'library-source' } }, h('option', { value: '' }, 'All sources'));
  const ratingSelect = h('select', { id: 'library-rating', dataset: { testid: 'library-rating' } },
    h('option', { value: '' }, 'Any rating'), h('option', { value: '1' }, 'Liked'), h('option', { value: '-1' }, 'Disliked'));
  ratingSelect.value = state.rating;
  const sortSelect = h('select', { id: 'library-sort', dataset: { testid: 'library-sort' } },
    h('option', { value: 'newest' }, 'Newest'), h('option', { value: 'oldest' }, 'Oldest'),
    h('option', { value: 'title' }, 'Title'), h('option', { value: 'plays' }, 'Most played'));
  sortSelect.value = state.sort;
  // Its options are read when it is first used, not with the page (sourcemenu.js).
  const sourceChoice = sourceMenu(sourceSelect, { selected: state.source, onError: (err) => notifyError(err, 'Could not load the list of sources') });

  const viewLink = (key, label) => h('a', {
    class: 'segment', href: key === 'library' ? '/library' : `/library?view=${key}`,
    'aria-current': state.view === key ? 'page' : null, dataset: { testid: `library-view-${key}` },
  }, label);
  const views = h('nav', { class: 'segmented', 'aria-label': 'Library views' },
    viewLink('library', 'Tracks'), viewLink('history', 'History'), viewLink('trash', 'Trash'));

  const playAll = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'library-play-all' }, onclick: () => playFrom(0) }, icon('play', 18), 'Play all');
  const selectToggle = h('button', { type: 'button', class: 'btn', 'aria-pressed': 'false', dataset: { testid: 'library-select' }, onclick: () => setSelecting(!selecting) }, 'Select');
  const emptyTrash = h('button', {
    type: 'button', class: 'btn btn-danger-outline', dataset: { testid: 'trash-empty' },
    onclick: (event) => emptyTheTrash(event.currentTarget),
  }, 'Empty trash');

  // On a phone the labels are visually hidden (the selects say what they are); aria-label keeps
  // the name where a checker or a browser treats such a label as hidden.
  const field = (id, label, control, cls = 'field') => {
    control.setAttribute('aria-label', label);
    return h('div', { class: cls }, h('label', { for: id, class: 'field-label' }, label), control);
  };
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
    field('library-search', 'Search', search, 'field grow'),
    field('library-source', 'Source', sourceSelect),
    field('library-rating', 'Rating', ratingSelect),
    field('library-sort', 'Sort', sortSelect));

  const summary = h('p', { class: 'small muted', dataset: { testid: 'library-summary' }, 'aria-live': 'polite' });
  const list = h('ul', { id: 'track-list', class: 'track-list', dataset: { testid: 'track-list' }, 'aria-label': 'Tracks' });
  // The loaded tracks in list order (and "moved to the trash" rows in their place); `tracks`
  // reads them by id.
  const rows = windowed(list, {
    render: (item) => item.undoRow || renderRow(item),
    key: (item) => (item.undoRow ? `undo-${item.id}` : item.id),
    nearEnd: () => { if (nextBefore !== null && nextBefore !== undefined && !fetching && !loadFailed) fetchPage(true); },
  });
  const tracks = {
    get: (id) => rows.get(id),
    has: (id) => rows.has(id),
    get size() { return rows.items().filter((item) => !item.undoRow).length; },
    values: () => rows.items().filter((item) => !item.undoRow),
  };
  const loadMore = h('button', { type: 'button', class: 'btn', hidden: true, dataset: { testid: 'library-load-more' }, onclick: (e) => withBusy(e.currentTarget, () => fetchPage(true)) }, 'Load more');

  // ---- multi-select bar ----
  const selectedCount = h('span', { class: 'bulk-count', dataset: { testid: 'bulk-count' } });
  const bulkButton = (testid, label, glyph, fn, cls = '') => h('button', {
    type: 'button', class: `btn btn-small ${cls}`, dataset: { testid },
    onclick: (e) => withBusy(e.currentTarget, fn),
  }, glyph ? icon(glyph, 18) : null, label);
  const bulkBar = h('div', { class: 'bulk-bar', role: 'toolbar', 'aria-label': 'Selected tracks', hidden: true, dataset: { testid: 'bulk-bar' } },
    selectedCount,
    bulkButton('bulk-all', 'All', null, async () => selectAll()),
    bulkButton('bulk-like', 'Like', 'heart', () => bulkRate(1)),
    bulkButton('bulk-dislike', 'Dislike', 'dislike', () => bulkRate(-1)),
    bulkButton('bulk-enqueue', 'Add to queue', 'addQueue', async () => bulkEnqueue()),
    bulkButton('bulk-delete', 'Delete', 'trash', () => bulkDelete(), 'btn-danger-outline'),
    bulkButton('bulk-cancel', 'Done', null, async () => setSelecting(false)));

  const trash = state.view === 'trash';
  const history_ = state.view === 'history';
  root.append(h('section', { class: `page page-library view-${state.view}` },
    h('header', { class: 'page-head' },
      h('h1', {}, trash ? 'Trash' : history_ ? 'History' : 'Library'), views),
    trash || history_ ? null : filters,
    h('div', { class: 'list-head' }, summary,
      h('div', { class: 'actions' }, trash ? emptyTrash : [playAll, history_ ? null : selectToggle])),
    bulkBar, list, h('div', { class: 'load-more' }, loadMore)));

  function syncUrl() {
    const query = new URLSearchParams();
    if (state.view !== 'library') query.set('view', state.view);
    for (const key of ['q', 'source', 'rating']) if (state[key]) query.set(key, state[key]);
    if (state.sort !== 'newest') query.set('sort', state.sort);
    const qs = query.toString();
    history.replaceState({}, '', qs ? `/library?${qs}` : '/library');
  }

  function applyFilters() {
    state.q = search.value.trim();
    state.source = sourceSelect.value;
    state.rating = ratingSelect.value;
    state.sort = sortSelect.value;
    syncUrl();
    reload();
  }
  const applySoon = debounce(applyFilters, 300);
  search.addEventListener('input', applySoon);
  for (const select of [sourceSelect, ratingSelect, sortSelect]) select.addEventListener('change', applyFilters);

  const filtered = () => Boolean(state.q || state.source || state.rating);

  /** What the list is, in words: for the queue's "Playing from …" and the Media Session album. */
  function describe() {
    if (state.view === 'history') return 'History';
    const parts = [];
    if (state.source) parts.push(sourceChoice.source(state.source)?.title || 'Source');
    if (state.rating === '1') parts.push('Liked');
    if (state.rating === '-1') parts.push('Disliked');
    if (state.q) parts.push(`“${state.q}”`);
    return parts.length ? `Library: ${parts.join(', ')}` : 'Library';
  }

  // ---- rows ----
  function renderRow(track) {
    const isTrash = state.view === 'trash';
    const playing = player.current();
    const isPlaying = Boolean(playing && playing.id === track.id);
    const isSelected = selected.has(track.id);
    const lead = isTrash ? artwork(track, 44)
      : selecting ? h('label', { class: 'select-box' },
        h('input', {
          type: 'checkbox', checked: isSelected, dataset: { testid: `track-select-${track.id}` },
          'aria-label': `Select “${track.title}”`,
          onchange: (e) => { if (e.target.checked) selected.add(track.id); else selected.delete(track.id); renderBulk(); e.target.closest('.track').classList.toggle('is-selected', e.target.checked); },
        }))
        : h('button', {
          type: 'button', class: 'play-art', 'aria-label': `Play “${track.title}”`, dataset: { testid: `track-play-${track.id}` },
          onclick: () => playTrack(track.id),
        }, artwork(track, 44), h('span', { class: 'play-icon' }, icon(isPlaying ? 'note' : 'play')));
    const metaParts = [track.source_title || track.uploader];
    const played = state.view === 'history' && track.played_at;
    return h('li', {
      class: `track${isPlaying ? ' is-playing' : ''}${isSelected ? ' is-selected' : ''}${track.rating === -1 ? ' is-disliked' : ''}`,
      dataset: { trackId: track.id, testid: `track-row-${track.id}`, rating: String(track.rating ?? 0) },
    },
    lead,
    h('div', { class: 'track-main' },
      h('div', { class: 'track-title', title: track.title }, track.title),
      h('div', { class: 'track-meta small muted' },
        track.rating === -1 ? h('span', { class: 'disliked-mark', title: 'Disliked' }, icon('dislike', 14), h('span', { class: 'visually-hidden' }, 'Disliked. ')) : null,
        metaParts.filter(Boolean).join(' · '),
        h('span', { class: 'meta-duration' }, ` · ${formatDuration(track.duration)}`),
        played ? [' · played ', timeEl(track.played_at)] : null,
        isTrash && track.deleted_at ? [' · deleted ', timeEl(track.deleted_at)] : null)),
    h('span', { class: 'track-duration small muted', dataset: { testid: `track-duration-${track.id}` } }, formatDuration(track.duration)),
    h('div', { class: 'track-actions' }, isTrash
      ? h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `track-restore-${track.id}` }, onclick: (e) => withBusy(e.currentTarget, () => restoreRow(track)) }, 'Restore')
      : [
        ratingButtons(track, (value, button) => withBusy(button, () => rateRow(track, value))),
        rowMenu(track),
      ]));
  }

  async function rateRow(track, value) {
    const updated = await rate(tracks.get(track.id) || track, value);
    if (updated) { upsert(updated); player.updateTrack(updated); }
  }

  /** The row's "More" menu: play next, add to queue, delete (a popover: light dismiss, Escape). */
  function rowMenu(track) {
    const id = `track-menu-${track.id}`;
    const close = () => menu.hidePopover?.();
    const item = (testid, label, glyph, fn, cls = '') => h('button', {
      type: 'button', role: 'menuitem', class: `menu-item ${cls}`, dataset: { testid },
      onclick: () => { close(); fn(); },
    }, icon(glyph, 18), label);
    const menu = h('div', { id, class: 'menu', popover: 'auto', role: 'menu', 'aria-label': `Actions for “${track.title}”` },
      item(`track-playnext-${track.id}`, 'Play next', 'playNext', () => { player.playNext(tracks.get(track.id) || track); notify(`“${track.title}” plays next.`, { timeout: 2500, key: 'queue' }); }),
      item(`track-enqueue-${track.id}`, 'Add to queue', 'addQueue', () => {
        const added = player.enqueue([tracks.get(track.id) || track]);
        notify(added ? `Added “${track.title}” to the queue.` : `“${track.title}” is already in the queue.`, { timeout: 2500, key: 'queue' });
      }),
      // On a phone the row shows Like only; Dislike is here.
      item(`track-menu-dislike-${track.id}`, track.rating === -1 ? 'Remove dislike' : 'Dislike', 'dislike', () => rateRow(track, toggledRating(track, -1)), 'phone-only'),
      // A listener's delete hides the track for them; an admin's moves the file to the trash.
      item(`track-delete-${track.id}`, isAdmin() ? 'Move to trash' : 'Hide for me', 'trash', () => deleteRow(track), 'danger'));
    const button = h('button', {
      type: 'button', class: 'btn btn-icon btn-quiet', popovertarget: id, 'aria-haspopup': 'menu',
      'aria-label': `More actions for “${track.title}”`, title: 'More', dataset: { testid: `track-more-${track.id}` },
    }, icon('more', 20));
    // Placed next to its button when it opens (no CSS anchor positioning needed).
    menu.addEventListener('toggle', (e) => {
      if (e.newState !== 'open') return;
      const r = button.getBoundingClientRect();
      const width = menu.offsetWidth;
      const height = menu.offsetHeight;
      menu.style.left = `${Math.max(8, Math.min(r.right - width, innerWidth - width - 8))}px`;
      menu.style.top = `${r.bottom + height + 8 > innerHeight ? Math.max(8, r.top - height - 4) : r.bottom + 4}px`;
      menu.querySelector('button')?.focus();
    });
    return [button, menu];
  }

  function rowOf(id) {
    return rows.rowOf(id);
  }

  function upsert(track, { index = null } = {}) {
    const old = tracks.get(track.id);
    if (old && old.played_at && !track.played_at) track = { ...track, played_at: old.played_at };
    if (rows.update(track, replaceKeepingFocus)) return;
    rows.insert(index === null ? 0 : index, track);
    refreshTotalSoon();
    renderSummary();
  }

  function removeRow(id, { replaceWith = null } = {}) {
    const row = rowOf(id);
    // Keep keyboard focus in the list: move it to the next row's first control.
    const nextFocus = row && row.contains(document.activeElement) && !replaceWith ? (row.nextElementSibling || row.previousElementSibling) : null;
    const index = rows.indexOf(id);
    if (index >= 0) {
      rows.remove(id);
      if (replaceWith) rows.insert(index, { id, undoRow: replaceWith });
      refreshTotalSoon();
    }
    selected.delete(id);
    if (nextFocus?.isConnected) nextFocus.querySelector('button')?.focus();
    renderSummary();
    return index;
  }

  /** A deleted row becomes "Moved … to the trash. Undo" in place for 10 s: nothing covers the list. */
  async function deleteRow(track) {
    const result = await trashTrack(track);
    if (!result) return;
    player.forgetTrack(track.id, { skipCurrent: true });
    let undoRow = null;
    const dismiss = () => { clearTimeout(timer); if (undoRow) rows.remove(`undo-${track.id}`); };
    const run = registerUndo([track.id], async () => {
      const restored = await restore(track, result.undo, { quiet: true });
      if (restored && state.view === 'library' && !tracks.has(restored.id)) upsert(restored, { index: Math.max(0, index) });
    }, dismiss);
    undoRow = h('li', { class: 'track track-undo', dataset: { testid: `track-undo-row-${track.id}` } },
      h('span', { class: 'track-main small' }, result.trashed ? `Moved “${track.title}” to the trash.` : `Hid “${track.title}” from your library.`),
      h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `track-undo-${track.id}` }, onclick: run }, 'Undo'));
    const index = removeRow(track.id, { replaceWith: undoRow });
    if (index < 0) undoRow = null;
    else if (undoRow.isConnected) undoRow.querySelector('button').focus({ preventScroll: true });
    const timer = setTimeout(dismiss, UNDO_MS);
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

  // ---- selection ----
  function setSelecting(on) {
    selecting = on;
    if (!on) selected.clear();
    selectToggle.setAttribute('aria-pressed', String(on));
    rows.refresh();
    renderBulk();
    if (on) bulkBar.querySelector('button')?.focus();
  }

  function renderBulk() {
    bulkBar.hidden = !selecting;
    selectedCount.textContent = `${selected.size} selected`;
    for (const b of bulkBar.querySelectorAll('[data-testid="bulk-like"], [data-testid="bulk-dislike"], [data-testid="bulk-enqueue"], [data-testid="bulk-delete"]')) {
      if (b.dataset.busy !== 'true') b.disabled = !selected.size;
    }
  }

  function selectAll() {
    for (const track of tracks.values()) selected.add(track.id);
    setSelecting(true);
  }

  const chosen = () => [...selected].map((id) => tracks.get(id)).filter(Boolean);

  async function bulkRate(value) {
    const reply = await bulk(value > 0 ? 'like' : 'dislike', [...selected]);
    if (!reply) return;
    for (const updated of reply.tracks) { upsert(updated); player.updateTrack(updated); }
    notify(`${value > 0 ? 'Liked' : 'Disliked'} ${reply.tracks.length} track(s).`, { kind: 'success', key: 'bulk' });
  }

  function bulkEnqueue() {
    const added = player.enqueue(chosen());
    notify(`Added ${added} track(s) to the queue.`, { kind: 'success', key: 'bulk' });
  }

  async function bulkDelete() {
    const items = chosen();
    const positions = new Map(items.map((t) => [t.id, rows.indexOf(t.id)]));
    const reply = await bulk('delete', items.map((t) => t.id));
    if (!reply || !reply.tracks.length) return;
    const done = reply.tracks;
    for (const track of done) { player.forgetTrack(track.id, { skipCurrent: true }); removeRow(track.id); }
    let notice = null;
    const run = registerUndo(done.map((t) => t.id), async () => {
      const back = await bulk('restore', done.map((t) => t.id));
      if (!back) return;
      const restored = back.tracks.slice().sort((a, b) => positions.get(a.id) - positions.get(b.id));
      for (const track of restored) if (state.view === 'library' && !tracks.has(track.id)) upsert(track, { index: Math.max(0, positions.get(track.id)) });
      notify(`Restored ${restored.length} track(s).`, { kind: 'success', key: 'bulk' });
    }, () => notice && notice.close());
    notice = notify(`Moved ${done.length} track(s) to the trash.`, { timeout: UNDO_MS, key: 'bulk', action: { label: 'Undo', testid: 'notice-undo', onClick: run } });
    renderBulk();
  }

  // ---- playing the list ----
  function pagedSource() {
    // The queue continues with the next pages of this very list (same filters and sort).
    const query = { q: state.q, source: state.source, rating: state.rating, sort: state.sort };
    const href = location.pathname + location.search;
    // Continues where the list has loaded to: the pages this view loads meanwhile are taken
    // from it, later ones fetched by the queue itself.
    let cursor = nextBefore;
    let taken = tracks.size;
    return {
      kind: state.view === 'history' ? 'history' : state.source && !state.q && !state.rating ? 'source' : 'library',
      label: describe(),
      href,
      more: state.view !== 'library' || cursor === null || cursor === undefined ? null : async () => {
        const loaded = tracks.values();
        if (loaded.length > taken) { const fresh = loaded.slice(taken); taken = loaded.length; cursor = nextBefore; return fresh; }
        if (cursor === null || cursor === undefined) return [];
        const data = await get('/api/tracks', { ...query, limit: PAGE, before: cursor });
        cursor = data.next_before ?? null;
        return data.tracks || [];
      },
    };
  }

  function playFrom(i) {
    const all = tracks.values();
    if (!all.length) return;
    player.playList(all, i, pagedSource());
  }

  function playTrack(id) {
    playFrom(tracks.values().findIndex((track) => track.id === id));
  }

  const offPlayer = player.subscribe((what) => {
    if (what !== 'track') return;
    // Mark the playing row (and unmark the previous one) without re-rendering the list.
    const playingId = player.current()?.id;
    for (const row of list.querySelectorAll('.track.is-playing')) {
      const id = Number(row.dataset.trackId);
      if (id !== playingId && tracks.has(id)) upsert(tracks.get(id));
    }
    if (playingId !== undefined && tracks.has(playingId) && !rowOf(playingId)?.classList.contains('is-playing')) upsert(tracks.get(playingId));
  });

  // ---- loading ----
  function renderSummary() {
    const more = nextBefore !== null && nextBefore !== undefined;
    loadMore.hidden = !more;
    const noun = state.view === 'trash' ? 'in the trash' : state.view === 'history' ? 'recently played' : 'tracks';
    if (!more && state.view === 'history') total = tracks.size; // everything is loaded: the count is exact
    const shown = tracks.size;
    let count;
    if (total === null) count = `${number.format(shown)}+`;
    else if (totalIsExact) count = number.format(Math.max(total, shown));
    // A capped count ("1,000+"), until every row is loaded: the rows are then the count.
    else count = more ? `${number.format(Math.max(total, shown))}+` : number.format(shown);
    summary.textContent = shown ? `${count} ${noun}${more ? ` · showing ${number.format(shown)}` : ''}` : '';
    summary.dataset.total = total === null ? '' : String(total);
    summary.dataset.totalIsExact = String(totalIsExact);
    playAll.disabled = !shown;
    selectToggle.disabled = !shown && !selecting;
    if (!rows.length) {
      rows.setEmpty(placeholder(state.view === 'trash' ? 'The trash is empty.'
        : state.view === 'history' ? 'Nothing played yet.'
          : filtered() ? 'No tracks match these filters.' : 'The library is empty. Add a source to fill it.', 'li'));
    }
    if (state.view === 'trash') emptyTrash.disabled = emptyTrash.dataset.busy === 'true' || !shown;
  }

  /**
   * The list's count is the server's (`total` in every reply): after a change it is asked again
   * (one small request per burst), never worked out here.
   */
  async function refreshTotal() {
    if (state.view === 'history') return;
    try {
      const data = state.view === 'trash' ? await get('/api/trash', { limit: 1 })
        : await get('/api/tracks', { q: state.q, source: state.source, rating: state.rating, sort: state.sort, limit: 1 });
      if (typeof data.total === 'number') { total = data.total; totalIsExact = data.total_is_exact !== false; }
      renderSummary();
    } catch (err) {
      if (err.name !== 'AbortError') console.warn('the count could not be refreshed', err);
    }
  }
  const refreshTotalSoon = debounce(refreshTotal, 400, 1500);

  /** Loads the first page (`more` false) or the next one, by cursor. */
  function fetchPage(more = false) {
    if (more && fetching) return fetching;
    fetching = loadPage(more).finally(() => { fetching = null; });
    return fetching;
  }

  async function loadPage(more) {
    const { signal } = controller;
    const before = more ? nextBefore : null;
    try {
      let data;
      if (state.view === 'trash') {
        data = await get('/api/trash', { limit: PAGE, before }, { signal });
      } else if (state.view === 'history') {
        const plays = await get('/api/history', { limit: PAGE, before }, { signal });
        // One row per track, at its latest play: the list is also the queue.
        const fresh = ((plays && plays.plays) || [])
          .filter((p) => p.track && !historySeen.has(p.track.id) && historySeen.add(p.track.id) && !p.track.deleted_at)
          .map((p) => ({ ...p.track, played_at: p.played_at }));
        data = { tracks: fresh, next_before: plays && plays.next_before };
      } else {
        data = await get('/api/tracks', {
          q: state.q, source: state.source, rating: state.rating, sort: state.sort, limit: PAGE, before,
        }, { signal });
      }
      if (signal.aborted) return;
      loadFailed = false;
      nextBefore = data.next_before ?? null;
      if (typeof data.total === 'number') { total = data.total; totalIsExact = data.total_is_exact !== false; }
      if (more) rows.append(data.tracks || []); else rows.set(data.tracks || []);
      renderSummary();
    } catch (err) {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      if (!more) { rows.set([]); rows.setEmpty(placeholder('Tracks could not be loaded. This list reloads by itself when Spool is reachable again.', 'li')); }
      notifyError(err, 'Could not load the library');
    }
  }

  function reload() {
    controller.abort();
    controller = new AbortController();
    fetching = null;
    selected.clear();
    historySeen.clear();
    nextBefore = null;
    total = null;
    totalIsExact = true;
    rows.set([]);
    rows.setEmpty(placeholder('Loading…', 'li'));
    return fetchPage(false);
  }

  const reloadSoon = debounce(reload, 500);
  const off = live.onMany({
    'track.added': (track) => {
      // Only where it certainly belongs: the unfiltered, newest-first library view.
      if (state.view === 'library' && !filtered() && state.sort === 'newest') upsert(track);
      else if (state.view === 'library') refreshTotalSoon();
    },
    // A shared change leaves out the user's own fields (rating, counts): merge, never replace.
    'track.updated': (track) => { if (tracks.has(track.id)) upsert({ ...tracks.get(track.id), ...track }); },
    'track.state': (track) => { if (tracks.has(track.id)) upsert({ ...tracks.get(track.id), ...track }); },
    'track.deleted': (track) => {
      if (state.view !== 'trash' && tracks.has(track.id)) removeRow(track.id);
      if (state.view === 'trash') upsert(track);
    },
    'track.restored': (track) => {
      if (state.view === 'trash') removeRow(track.id);
      else if (state.view === 'library' && !tracks.has(track.id) && !filtered()) reloadSoon();
    },
    'track.purged': (data) => { if (data && tracks.has(data.id)) removeRow(data.id); },
    reset: () => reload(),
    // Back after an outage: a list that failed to load loads now.
    open: () => { if (loadFailed) reload(); },
  });

  renderBulk();
  reload();

  return () => {
    controller.abort();
    applySoon.cancel();
    reloadSoon.cancel();
    refreshTotalSoon.cancel();
    off();
    offPlayer();
    rows.destroy();
    for (const menu of root.querySelectorAll('.menu:popover-open')) menu.hidePopover();
  };
}
