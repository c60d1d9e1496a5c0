// /sources — add a source after seeing what it is (the server's quick listing: kind, title,
// entry count, the first titles), with its profile, filters, retention and "only new from now
// on"; then every source as a card that follows its sync live ("Downloading 37 of 120"), with
// counts that link to what they count. The old /channels links lead here (main.js).
//
// The cards are read page by page (50 sources, newest first) as the user scrolls towards the
// end, never the whole list up front: at 500 sources the whole list was a 38 ms read and
// 15,000 DOM nodes before the first paint. The list is not windowed like the Library's: the
// cards have different heights in a two-column grid (a sync's progress line, a problem, the
// skipped counts), they carry live progress and focusable buttons that must keep focus, and
// with pages loaded on demand the DOM holds only the cards the user scrolled to (50 at first,
// 500 after scrolling through the largest library: about 30 nodes each).
import { api, get, post } from './api.js';
import { problemView, explainSource } from './errors.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notifyError } from './notices.js';
import { loadProfiles, profileChoices, describeProfile } from './profiles.js';
import { filterFields, retentionFields, readFilters, readRetention } from './rules.js';
import {
  activity, countLinks, playSource, syncSource, confirmRemove, sourceName, sourceHref, kindLabel, formatCount,
} from './sourceview.js';
import { h, setChildren, withBusy, timeEl, badge, placeholder, formatAbsolute, formatDuration, debounce } from './ui.js';
import { scrollParent } from './windowed.js';

const PAGE = 50; // sources per read: the first paint, and each page the scroll asks for
const NEAR_END = '800px'; // the next page is read when the end of the list is this close

/** Client-side check before the server sees the URL: absolute http(s) with a host. */
export function validateUrl(value) {
  const text = value.trim();
  if (!text) return 'Enter the URL of a channel, playlist or video.';
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
  const sources = new Map(); // id → Source, the ones loaded (as cards)
  let nextBefore = null; // the cursor of the next page; null once the last page is loaded
  let edge = null; // the lowest id read so far: older sources come with later pages
  let total = null; // how many sources there are, from the server
  let fetching = null; // the page being read, if any
  let reloading = false; // the first pages are being read again: no page is appended meanwhile
  let pageFailed = false; // the last read of a further page failed
  let watching = null; // the id of a source just added, whose first listing we report on
  let loadFailed = false;
  let preview = null; // the current preview reply, for the URL in the field
  let profiles = [];

  // ---- the add form: URL → preview → options → add ----
  const form = new Form('add-source');
  const check = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'add-source-check' } }, 'Preview');
  const urlField = form.field('url', {
    label: 'URL of a channel, playlist or video', kind: 'url', inputmode: 'url', required: true, addon: check,
    placeholder: 'https://www.youtube.com/@artist/videos',
    hint: 'Anything yt-dlp can list: a YouTube channel or playlist, one video, a podcast feed…',
  });
  const urlInput = form.control('url');
  const previewBox = h('div', { class: 'preview', hidden: true, dataset: { testid: 'add-source-preview' }, 'aria-live': 'polite' });
  const result = h('div', { id: 'add-source-result', class: 'add-result', role: 'status', dataset: { testid: 'add-source-result' } });

  const showResult = (kind, ...content) => {
    result.dataset.kind = kind;
    setChildren(result, content);
  };

  urlInput.addEventListener('input', () => {
    // The preview belongs to the URL it was made for.
    if (preview && urlInput.value.trim() !== preview.url && urlInput.value.trim() !== preview.asked) clearPreview();
  });

  const addForm = h('form', {
    class: 'card add-source', novalidate: true, 'aria-labelledby': 'add-source-title',
    onsubmit: (event) => { event.preventDefault(); withBusy(check, runPreview); },
  }, h('h2', { id: 'add-source-title' }, 'Add a source'), urlField, form.general, previewBox, result);

  const list = h('div', { class: 'source-list', dataset: { testid: 'source-list' } }, placeholder('Loading sources…'));
  const summary = h('p', { class: 'small muted', dataset: { testid: 'sources-summary' }, 'aria-live': 'polite' });
  const loadMore = h('button', {
    type: 'button', class: 'btn', hidden: true, dataset: { testid: 'sources-load-more' },
    onclick: (event) => withBusy(event.currentTarget, () => fetchPage()),
  }, 'Load more sources');
  // The sentinel after the last card: when it comes near the viewport, the next page is read.
  // Its button does the same for whoever reaches it first (a keyboard, a failed read).
  const more = h('div', { class: 'load-more', dataset: { testid: 'sources-more' } }, loadMore);
  root.append(h('section', { class: 'page page-sources' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Sources'),
      h('div', { class: 'actions' },
        h('a', { class: 'btn', href: '/settings' }, icon('settings', 18), 'Profiles'),
        h('a', { class: 'btn', href: '/jobs' }, icon('download', 18), 'Jobs'))),
    addForm,
    h('h2', { class: 'visually-hidden' }, 'Your sources'),
    h('div', { class: 'list-head' }, summary),
    list, more));

  function clearPreview() {
    preview = null;
    previewBox.hidden = true;
    setChildren(previewBox);
  }

  async function runPreview() {
    form.clearErrors();
    setChildren(result);
    const problem = validateUrl(urlInput.value);
    if (problem) {
      form.showError('url', problem);
      urlInput.focus();
      return;
    }
    const asked = urlInput.value.trim();
    clearPreview();
    showResult('pending', 'Listing the first entries of this URL… This takes a few seconds, at most a minute.');
    try {
      const reply = await post('/api/sources/preview', { url: asked });
      if (urlInput.value.trim() !== asked) return; // the user moved on meanwhile
      preview = { ...reply, asked };
      setChildren(result);
      renderPreview(reply);
    } catch (err) {
      setChildren(result);
      // "Cannot be listed" is the server's sentence, next to the URL it is about.
      form.report(err);
      if (err.status >= 500 || err.code === 'network') notifyError(err, 'Could not check the URL');
    }
  }

  function renderPreview(reply) {
    const entries = reply.entries || [];
    const count = reply.entry_count;
    const head = h('div', { class: 'preview-head' },
      badge(reply.kind, 'add-source-kind'),
      h('h3', { dataset: { testid: 'add-source-preview-title' } }, reply.title || reply.url),
      h('p', { class: 'small muted', dataset: { testid: 'add-source-count' } },
        reply.kind === 'video' ? 'One video: it is downloaded once, without following its channel.'
          : count !== null && count !== undefined ? `${formatCount(count)} ${count === 1 ? 'entry' : 'entries'}`
            : 'The site does not say how many entries there are; the first sync counts them.'));
    const first = h('ol', { class: 'preview-entries', dataset: { testid: 'add-source-entries' }, 'aria-label': 'First entries' },
      entries.map((e) => h('li', {},
        h('span', { class: 'preview-entry-title' }, e.title),
        h('span', { class: 'small muted' }, [e.duration ? formatDuration(e.duration) : null, e.uploaded_at ? new Date(e.uploaded_at).toLocaleDateString() : null].filter(Boolean).join(' · ')))));
    if (reply.existing_source_id) {
      const existing = sources.get(reply.existing_source_id);
      setChildren(previewBox, head, first,
        h('p', { class: 'add-result', dataset: { testid: 'add-source-existing', kind: 'info' } },
          'This is already in your library: ',
          h('a', { href: `/sources/${reply.existing_source_id}` }, existing ? sourceName(existing) : 'open it'), '.'));
      previewBox.hidden = false;
      return;
    }
    renderOptions(head, first, reply);
  }

  function renderOptions(head, first, reply) {
    const isVideo = reply.kind === 'video';
    const profileField = form.field('profile_id', {
      label: 'Download profile', kind: 'select', options: profileChoices(profiles),
      value: (profiles.find((p) => p.is_default) || profiles[0] || {}).id ?? '',
      hint: profiles.length ? describeProfile(profiles.find((p) => p.is_default) || profiles[0]) : 'The default profile.',
    });
    const profileSelect = form.control('profile_id');
    profileSelect.addEventListener('change', () => {
      const hint = profileSelect.parentElement.querySelector('.hint');
      if (hint) hint.textContent = describeProfile(profiles.find((p) => String(p.id) === profileSelect.value));
    });
    const onlyNew = isVideo ? null : form.field('only_new', {
      label: 'Only new from now on', kind: 'checkbox',
      hint: 'The first sync notes what is there today without downloading it; later syncs download what is new.',
    });
    const add = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'add-source-submit' }, onclick: (e) => withBusy(e.currentTarget, () => addSource(reply)) },
      icon('plus', 18), isVideo ? 'Download this video' : 'Add source');
    const cancel = h('button', { type: 'button', class: 'btn', dataset: { testid: 'add-source-cancel' }, onclick: () => { clearPreview(); urlInput.focus(); } }, 'Cancel');
    setChildren(previewBox, head, first,
      h('div', { class: 'options-grid' }, profileField, onlyNew),
      isVideo ? null : h('details', { class: 'options', dataset: { testid: 'add-source-filters' } },
        h('summary', {}, 'Filters: which entries to download'), h('div', { class: 'options-grid' }, filterFields(form, null))),
      isVideo ? null : h('details', { class: 'options', dataset: { testid: 'add-source-retention' } },
        h('summary', {}, 'Retention: when tracks leave'), h('div', { class: 'options-grid' }, retentionFields(form, null))),
      h('div', { class: 'actions' }, add, cancel));
    previewBox.hidden = false;
  }

  async function addSource(reply) {
    form.clearErrors();
    const body = { url: reply.asked || reply.url };
    const profileId = form.value('profile_id');
    if (profileId) body.profile_id = Number(profileId);
    if (reply.kind !== 'video') {
      body.only_new = form.value('only_new');
      const filters = readFilters(form);
      const retention = readRetention(form);
      if (filters) body.filters = filters;
      if (retention) body.retention = retention;
    }
    try {
      const { status, data: source } = await api('/api/sources', { method: 'POST', body, withStatus: true });
      upsert(source, { highlight: true });
      clearPreview();
      urlInput.value = '';
      const link = h('a', { href: sourceHref(source), dataset: { testid: 'add-source-open' } }, 'Open its page');
      if (status === 200) {
        // Added meanwhile (another tab, a double click): the server answers with the existing one.
        showResult('info', `${sourceName(source)} is already in your library (added `, timeEl(source.added_at), '). ', link, '.');
      } else {
        watching = source.id;
        showResult('pending', `Added ${sourceName(source)}. ${source.kind === 'video' ? 'Spool is downloading it now.' : 'Spool is listing its videos now; they appear as they download.'} `, link, '.');
      }
    } catch (err) {
      form.report(err);
      if (err.status >= 500 || err.code === 'network') notifyError(err, 'Could not add the source');
    }
  }

  /** The first sync of a source just added: say how it went, next to the form. */
  function reportFirstSync(source) {
    if (watching !== source.id) return;
    const name = sourceName(source);
    const link = h('a', { href: sourceHref(source), dataset: { testid: 'add-source-open' } }, 'Open its page');
    if (source.state === 'error') {
      showResult('error', h('strong', {}, `${name} could not be listed. `), problemView(explainSource(source), 'add-source-problem'), link);
      watching = null;
    } else if (source.state === 'idle' && source.last_synced_at) {
      const sync = source.last_sync || {};
      const skipped = Object.values(sync.skipped || {}).reduce((a, b) => a + b, 0);
      showResult('success', `${name}: ${formatCount(sync.read ?? source.counts?.videos)} found, ${formatCount(sync.new ?? source.counts?.queued)} queued for download`,
        skipped ? `, ${formatCount(skipped)} skipped by its rules` : '', '. ', link, '.');
      watching = null;
    }
  }

  // ---- the cards ----
  function focusCard(id) {
    const card = list.querySelector(`[data-source-id="${id}"]`);
    if (!card) return;
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
    card.classList.remove('flash');
    void card.offsetWidth; // restart the highlight
    card.classList.add('flash');
  }

  /** A card rendered again, with the focus on the same control. */
  function replaceCard(existing, card) {
    const focused = existing.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    existing.replaceWith(card);
    if (focused) card.querySelector(`[data-testid="${focused}"]`)?.focus({ preventScroll: true });
  }

  /** Where a source's card goes: the list is newest (highest id) first, as the API pages it. */
  function place(card, id) {
    for (const other of list.querySelectorAll(':scope > .source-card')) {
      if (Number(other.dataset.sourceId) < id) { list.insertBefore(card, other); return; }
    }
    list.append(card);
  }

  /** A source loaded, or one a page of the list will bring: older than the loaded ones, while more pages remain. */
  const inLoadedRange = (id) => nextBefore === null || edge === null || id > edge;

  function upsert(source, { highlight = false } = {}) {
    const existing = list.querySelector(`[data-source-id="${source.id}"]`);
    if (!existing && !inLoadedRange(source.id)) return; // its page brings it, in its place
    sources.set(source.id, source);
    const card = renderSource(source);
    if (existing) {
      replaceCard(existing, card);
    } else {
      list.querySelector('.placeholder')?.remove();
      place(card, source.id);
      refreshTotalSoon();
    }
    if (highlight) focusCard(source.id);
    reportFirstSync(source);
  }

  function remove(id) {
    if (sources.delete(id)) refreshTotalSoon();
    list.querySelector(`[data-source-id="${id}"]`)?.remove();
    if (!sources.size && nextBefore === null) setChildren(list, placeholder('No sources yet. Add one above.'));
  }

  function renderSummary() {
    summary.dataset.total = total ?? '';
    summary.dataset.loaded = String(sources.size);
    summary.textContent = total === null ? '' : `${formatCount(total)} ${total === 1 ? 'source' : 'sources'}`
      + (nextBefore !== null && sources.size < total ? ` · showing the newest ${formatCount(sources.size)}` : '');
    loadMore.hidden = nextBefore === null;
  }

  // Added or removed here or elsewhere: the server's count, not a guess (a deletion in another
  // tab may be of a source this page never loaded).
  const refreshTotalSoon = debounce(async () => {
    try {
      total = (await get('/api/sources', { limit: 1 }, { signal: controller.signal })).total ?? total;
      renderSummary();
    } catch (err) {
      if (err.name !== 'AbortError') console.warn('the count of sources is unavailable', err);
    }
  }, 300);

  function renderSource(source) {
    const counts = source.counts || {};
    const id = source.id;
    const name = sourceName(source);
    const syncButton = h('button', {
      type: 'button', class: 'btn', dataset: { testid: `source-sync-${id}` },
      disabled: source.state === 'syncing' || source.kind === 'video',
      onclick: (event) => withBusy(event.currentTarget, async () => {
        const updated = await syncSource(source);
        if (updated) upsert(updated);
      }),
    }, icon('refresh', 18), source.state === 'syncing' ? 'Syncing…' : 'Sync now');
    const playButton = h('button', {
      type: 'button', class: 'btn btn-primary', dataset: { testid: `source-play-${id}` }, disabled: !counts.downloaded,
      onclick: (event) => withBusy(event.currentTarget, () => playSource(source)),
    }, icon('play', 18), 'Play');
    const removeButton = h('button', {
      type: 'button', class: 'btn btn-danger-outline', dataset: { testid: `source-remove-${id}` },
      onclick: (event) => withBusy(event.currentTarget, async () => { if (await confirmRemove(source)) remove(id); }),
    }, 'Remove');

    return h('article', { class: 'card source-card', id: `source-${id}`, dataset: { sourceId: id, testid: `source-row-${id}`, state: source.state || 'idle', paused: String(Boolean(source.paused)) } },
      h('div', { class: 'source-card-head' },
        h('div', { class: 'source-name' },
          h('h3', {}, h('a', { href: sourceHref(source), class: 'title-link', dataset: { testid: `source-open-${id}` } }, name)),
          h('a', { class: 'muted small url', href: source.url, target: '_blank', rel: 'noopener noreferrer' }, source.url)),
        h('div', { class: 'badges' },
          h('span', { class: 'badge', dataset: { testid: `source-kind-${id}` } }, kindLabel(source.kind)),
          source.paused ? badge('paused', `source-paused-${id}`) : null,
          badge(source.state || 'idle', `source-state-${id}`))),
      activity(source),
      countLinks(source),
      h('p', { class: 'small muted' }, 'Last sync: ', timeEl(source.last_synced_at),
        source.kind !== 'video' && source.sync_interval_hours ? ` · every ${source.sync_interval_hours} h` : '',
        source.added_at ? [' · added ', h('time', { datetime: source.added_at, title: formatAbsolute(source.added_at) }, new Date(source.added_at).toLocaleDateString())] : null),
      h('div', { class: 'actions' }, playButton, syncButton, removeButton));
  }

  let controller = new AbortController();

  /** Reads a page and adds its cards (after the loaded ones: the pages come newest first). */
  async function fetchPage() {
    if (reloading || fetching || nextBefore === null) return fetching;
    const { signal } = controller;
    fetching = (async () => {
      try {
        const data = await get('/api/sources', { limit: PAGE, before: nextBefore }, { signal });
        if (signal.aborted) return;
        pageFailed = false;
        total = data.total ?? total;
        for (const source of data.sources || []) {
          edge = edge === null ? source.id : Math.min(edge, source.id);
          if (sources.has(source.id)) continue;
          sources.set(source.id, source);
          list.append(renderSource(source));
        }
        nextBefore = data.next_before ?? null;
      } catch (err) {
        if (err.name === 'AbortError') return;
        pageFailed = true; // retried by the button, or when the live connection is back
        notifyError(err, 'Could not load more sources');
      } finally {
        if (!signal.aborted) {
          fetching = null;
          renderSummary();
        }
      }
    })();
    await fetching;
    if (!signal.aborted) watchEnd();
  }

  // The sentinel is watched against the element that scrolls (the app's `main`), so that the
  // margin reads the next page before the user reaches the last card. Observing again after
  // each page reports the sentinel at once if it is still in view (a tall window).
  let observer = null;
  function watchEnd() {
    if (!('IntersectionObserver' in window)) return; // the button remains
    observer?.disconnect();
    if (nextBefore === null || loadFailed || pageFailed) return;
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) fetchPage();
    }, { root: scrollParent(more), rootMargin: `0px 0px ${NEAR_END} 0px` });
    observer.observe(more);
  }

  /**
   * The first page, or after a `reset` (the server restarted, events were missed) as many pages
   * as were loaded. Cards that did not change stay in place (and keep their focus).
   */
  async function load() {
    controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    fetching = null;
    reloading = true;
    observer?.disconnect();
    const wanted = Math.max(PAGE, sources.size);
    try {
      const profileRead = loadProfiles({ signal }).catch((err) => { if (err.name === 'AbortError') throw err; return profiles; });
      const items = [];
      let cursor = null;
      let count = null;
      do {
        const data = await get('/api/sources', { limit: Math.min(500, wanted - items.length), before: cursor }, { signal });
        items.push(...(data.sources || []));
        cursor = data.next_before ?? null;
        count = data.total ?? count;
      } while (cursor !== null && items.length < wanted);
      profiles = await profileRead;
      loadFailed = false;
      pageFailed = false;
      total = count;
      nextBefore = cursor;
      edge = items.length ? items[items.length - 1].id : null;
      reconcile(items);
    } catch (err) {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      if (!sources.size) setChildren(list, placeholder('Sources could not be loaded. This page retries by itself when Spool is reachable again.'));
      notifyError(err, 'Could not load the sources');
    } finally {
      if (!signal.aborted) reloading = false;
    }
    renderSummary();
    watchEnd();
  }

  /** Shows exactly `items`, in their order, keeping the cards that did not change. */
  function reconcile(items) {
    const ids = new Set(items.map((s) => s.id));
    for (const id of [...sources.keys()]) if (!ids.has(id)) sources.delete(id);
    if (!items.length) { setChildren(list, placeholder('No sources yet. Add one above.')); return; }
    list.querySelector('.placeholder')?.remove();
    let cursor = list.firstChild;
    for (const source of items) {
      const existing = list.querySelector(`:scope > [data-source-id="${source.id}"]`);
      const old = sources.get(source.id);
      let card = existing;
      if (!existing || !old || JSON.stringify(old) !== JSON.stringify(source)) {
        card = renderSource(source);
        if (existing) {
          if (cursor === existing) cursor = card;
          replaceCard(existing, card);
        }
      }
      sources.set(source.id, source);
      if (card === cursor) { cursor = cursor.nextSibling; continue; }
      list.insertBefore(card, cursor);
    }
    while (cursor) { const next = cursor.nextSibling; cursor.remove(); cursor = next; }
  }

  // The server sends `source.updated` (with the counts) as a sync and its downloads progress,
  // and when a track of the source is deleted or restored.
  const off = live.onMany({
    'source.updated': (source) => source && source.id !== undefined && upsert(source),
    // Removed here or in another tab: `remove` ignores ids it no longer shows.
    'source.deleted': (data) => data && data.id !== undefined && remove(data.id),
    reset: load,
    // Back after an outage: the first pages again if they failed, else the page that failed.
    open: () => { if (loadFailed) load(); else if (pageFailed) fetchPage(); },
  });
  load();

  return () => {
    controller.abort();
    refreshTotalSoon.cancel();
    observer?.disconnect();
    off();
  };
}
