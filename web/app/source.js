// /sources/{id} — one source: what it is doing now (live counts over the feed: "Downloading
// 37 of 120"), Sync now / Full sync / Pause / Remove, its settings (profile, schedule, filters,
// retention — the server validates, every refused field shows its sentence next to it), what
// the last sync did, what retention removes next, its tracks (a queue for the player), its
// jobs, and the entries its rules skipped, with why.
import { get, api, post } from './api.js';
import { explainJob, problemView } from './errors.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import { jobTitle, progressText } from './jobview.js';
import * as live from './live.js';
import { navigate } from './main.js';
import { isCancellable } from './meta.js';
import { notify, notifyError } from './notices.js';
import * as player from './player.js';
import { loadProfiles, profileChoices, describeProfile } from './profiles.js';
import { filterFields, retentionFields, readFilters, readRetention, describeFilters, describeRetention } from './rules.js';
import {
  activity, countLinks, confirmRemove, setPaused, syncSource, sourceName, kindLabel, formatCount, trackQuery, queueFrom,
} from './sourceview.js';
import { artwork, rate, ratingButtons } from './tracks.js';
import {
  h, setChildren, withBusy, timeEl, badge, placeholder, debounce, replaceKeepingFocus, formatDuration, formatSpan,
} from './ui.js';

const TRACKS_SHOWN = 50;
const JOBS_SHOWN = 20;
const SKIPPED_PAGE = 50;

export function mount(root, params) {
  const id = Number(params[0]);
  let source = null;
  let detail = null; // the last GET /api/sources/{id}: profile_name, retention_preview
  let profiles = [];
  let loadFailed = false;
  let gone = false;
  const tracks = new Map(); // id → Track, newest first
  let tracksCursor = null;
  const jobs = new Map(); // id → Job of this source
  let skippedCursor = null;
  let controller = new AbortController();

  // ---- head and status (re-rendered live) ----
  const heading = h('h1', { dataset: { testid: 'source-title' } }, 'Source');
  const urlLink = h('a', { class: 'muted small url', target: '_blank', rel: 'noopener noreferrer' });
  const badges = h('div', { class: 'badges' });
  // The status (activity, counts, schedule) is re-rendered as a whole on each update.
  let statusEl = h('div', { class: 'source-status', dataset: { testid: 'source-status' } }, placeholder('Loading…'));
  const replaceStatus = (el) => { replaceKeepingFocus(statusEl, el); statusEl = el; };

  // Buttons keep their element (a swapped button swallows a click); live updates change them in place.
  const playAll = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'source-play' }, onclick: () => playFrom(0) }, icon('play', 18), 'Play');
  const syncNow = h('button', {
    type: 'button', class: 'btn', dataset: { testid: 'source-sync' },
    onclick: (e) => withBusy(e.currentTarget, async () => { const s = await syncSource(source); if (s) apply(s); }),
  }, icon('refresh', 18), 'Sync now');
  const fullSync = h('button', {
    type: 'button', class: 'btn', dataset: { testid: 'source-full-sync' },
    title: 'List every entry again, not only the newest',
    onclick: (e) => withBusy(e.currentTarget, async () => { const s = await syncSource(source, { full: true }); if (s) apply(s); }),
  }, 'Full sync');
  const pauseToggle = h('button', {
    type: 'button', class: 'btn', dataset: { testid: `source-pause-${id}` },
    onclick: (e) => withBusy(e.currentTarget, async () => { const s = await setPaused(source, !source.paused); if (s) apply(s); }),
  }, 'Pause');
  const removeButton = h('button', {
    type: 'button', class: 'btn btn-danger-outline', dataset: { testid: 'source-remove' },
    onclick: (e) => withBusy(e.currentTarget, async () => {
      if (await confirmRemove(source)) { gone = true; navigate('/sources'); }
    }),
  }, 'Remove');
  const actions = h('div', { class: 'actions', dataset: { testid: 'source-actions' } }, playAll, syncNow, fullSync, pauseToggle, removeButton);

  // ---- last sync and retention ----
  const lastSync = h('div', { dataset: { testid: 'source-last-sync' } }, placeholder('Loading…'));
  const retention = h('div', { dataset: { testid: 'source-retention' } }, placeholder('Loading…'));

  // ---- settings ----
  const form = new Form('source');
  const settingsBody = h('div', { class: 'settings-body' }, placeholder('Loading…'));
  const saveButton = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'source-save' } }, 'Save settings');
  const redownloadOffer = h('div', { class: 'offer-box', hidden: true, dataset: { testid: 'source-redownload-offer' } });
  let shownSettings = ''; // the settings the form was last filled with (JSON), so live updates refill it only when they changed
  let dirty = false;
  const settingsForm = h('form', {
    class: 'source-settings', novalidate: true,
    oninput: () => { dirty = true; },
    onchange: () => { dirty = true; },
    onsubmit: (e) => { e.preventDefault(); withBusy(saveButton, save); },
  }, settingsBody, form.general, h('div', { class: 'actions' }, saveButton), redownloadOffer);

  // ---- tracks, jobs, skipped ----
  const trackList = h('ul', { class: 'track-list', dataset: { testid: 'source-tracks' }, 'aria-label': 'Tracks' }, placeholder('Loading…', 'li'));
  const tracksMore = h('a', { class: 'small', dataset: { testid: 'source-tracks-all' } }, 'All in the library');
  const jobList = h('ul', { class: 'job-list compact-jobs', dataset: { testid: 'source-jobs' }, 'aria-label': 'Jobs' }, placeholder('Loading…', 'li'));
  const skippedList = h('ul', { class: 'entry-list', dataset: { testid: 'source-skipped' }, 'aria-label': 'Skipped entries' }, placeholder('Loading…', 'li'));
  const skippedMore = h('button', { type: 'button', class: 'btn btn-small', hidden: true, dataset: { testid: 'source-skipped-more' }, onclick: (e) => withBusy(e.currentTarget, () => loadSkipped(true)) }, 'Load more');

  const card = (title, testid, ...content) => h('section', { class: 'card', 'aria-labelledby': `${testid}-title`, id: testid.replace(/^source-/, ''), dataset: { testid: `${testid}-card` } },
    h('h2', { id: `${testid}-title` }, title), ...content);

  root.append(h('section', { class: 'page page-source' },
    h('nav', { class: 'crumbs small', 'aria-label': 'Breadcrumb' }, h('a', { href: '/sources' }, 'Sources'), ' / '),
    h('header', { class: 'page-head source-head' },
      h('div', { class: 'source-name' }, heading, urlLink), badges),
    h('div', { class: 'card source-now' }, statusEl, actions),
    h('div', { class: 'source-grid' },
      card('Last sync', 'source-last-sync', lastSync),
      card('Retention', 'source-retention', retention)),
    card('Settings', 'source-settings', settingsForm),
    h('section', { class: 'card', id: 'tracks', 'aria-labelledby': 'source-tracks-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'source-tracks-title' }, 'Tracks'), tracksMore),
      trackList),
    h('section', { class: 'card', 'aria-labelledby': 'source-jobs-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'source-jobs-title' }, 'Jobs'),
        h('a', { class: 'small', href: `/jobs?source=${id}`, dataset: { testid: 'source-jobs-all' } }, 'On the dashboard')),
      jobList),
    h('section', { class: 'card', id: 'skipped', 'aria-labelledby': 'source-skipped-title' },
      h('h2', { id: 'source-skipped-title' }, 'Skipped entries'),
      h('p', { class: 'small muted' }, 'Entries this source lists but does not download, by its filters or because they were there before “only new from now on”. A skipped entry is never retried.'),
      skippedList, h('div', { class: 'load-more' }, skippedMore))));

  // ---- rendering the source ----
  function apply(next) {
    if (!next || next.id !== id) return;
    const before = source;
    source = { ...(source || {}), ...next };
    document.title = `${sourceName(source)} · Spool`;
    heading.textContent = sourceName(source);
    urlLink.textContent = source.url;
    urlLink.href = source.url;
    setChildren(badges,
      h('span', { class: 'badge', dataset: { testid: 'source-kind' } }, kindLabel(source.kind)),
      source.paused ? badge('paused', 'source-paused') : null,
      badge(source.state || 'idle', 'source-state'));
    replaceStatus(h('div', { class: 'source-status', dataset: { testid: 'source-status', state: source.state, paused: String(Boolean(source.paused)) } },
      activity(source),
      countLinks(source),
      h('p', { class: 'small muted' }, 'Last sync ', timeEl(source.last_synced_at),
        source.kind === 'video' ? ' · a single video is not synced again'
          : source.paused ? ' · no syncs while paused'
            : source.next_sync_at ? [' · next ', timeEl(source.next_sync_at)] : null)));
    renderActions();
    renderLastSync();
    fillSettings();
    tracksMore.href = `/library?source=${id}`;
    // A sync that just ended: its skips and the retention preview are new.
    if (before && before.state === 'syncing' && source.state !== 'syncing') { loadSkippedSoon(); loadDetailSoon(); }
  }
  function renderActions() {
    const syncing = source.state === 'syncing';
    const isVideo = source.kind === 'video';
    if (syncNow.dataset.busy !== 'true') syncNow.disabled = syncing || isVideo;
    if (fullSync.dataset.busy !== 'true') fullSync.disabled = syncing || isVideo;
    syncNow.lastChild.textContent = syncing ? 'Syncing…' : 'Sync now';
    fullSync.hidden = isVideo;
    if (playAll.dataset.busy !== 'true') playAll.disabled = !(source.counts && source.counts.downloaded);
    pauseToggle.textContent = source.paused ? 'Resume' : 'Pause';
    pauseToggle.setAttribute('aria-pressed', String(Boolean(source.paused)));
  }

  function renderLastSync() {
    const sync = source.last_sync;
    if (!sync) {
      setChildren(lastSync, placeholder(source.state === 'syncing' ? 'The first sync is running…' : 'Not synced yet.'));
      return;
    }
    const skipped = Object.entries(sync.skipped || {}).sort((a, b) => b[1] - a[1]);
    const skippedTotal = skipped.reduce((n, [, c]) => n + c, 0);
    const fact = (label, value, testid) => [h('dt', {}, label), h('dd', { dataset: { testid } }, value)];
    setChildren(lastSync,
      h('dl', { class: 'facts' },
        fact('When', [timeEl(source.last_synced_at), sync.seconds !== undefined ? ` · took ${formatSpan(sync.seconds)}` : ''], 'source-last-sync-at'),
        fact('Read', `${formatCount(sync.read)} entries${sync.full ? ' (a full listing)' : sync.stopped_early ? ' (stopped at the known ones)' : ''}`, 'source-last-sync-read'),
        fact('New', `${formatCount(sync.new)} queued for download`, 'source-last-sync-new'),
        fact('Known', `${formatCount(sync.known)} already here, queued, deleted or failed before`, 'source-last-sync-known'),
        fact('Skipped', skippedTotal ? `${formatCount(skippedTotal)} by the rules` : 'none', 'source-last-sync-skipped-total'),
        sync.unreadable ? fact('Unreadable', `${formatCount(sync.unreadable)} lines of the listing`, 'source-last-sync-unreadable') : null),
      skipped.length ? h('ul', { class: 'reasons', dataset: { testid: 'source-last-sync-skipped' } },
        skipped.map(([reason, count]) => h('li', {}, h('span', { class: 'reason-count' }, formatCount(count)), ' ', reason))) : null);
  }

  function renderRetention() {
    const preview = detail && detail.retention_preview;
    const count = preview ? preview.count || 0 : 0;
    setChildren(retention,
      h('p', { dataset: { testid: 'source-retention-rules' } }, describeRetention(source.retention)),
      source.retention ? h('p', { class: 'retention-count', dataset: { testid: 'source-retention-count', count: String(count) } },
        count ? `${formatCount(count)} ${count === 1 ? 'track' : 'tracks'} will leave on the next sweep.` : 'Nothing leaves on the next sweep.') : null,
      preview && preview.next && preview.next.length ? h('ul', { class: 'reasons', dataset: { testid: 'source-retention-next' } },
        preview.next.map(({ track, reason }) => h('li', {}, h('strong', {}, track.title), h('span', { class: 'small muted' }, ` · ${reason}`)))) : null,
      preview && count > (preview.next || []).length ? h('p', { class: 'small muted' }, `and ${formatCount(count - preview.next.length)} more.`) : null);
  }

  // ---- settings ----
  const settingsOf = (s) => JSON.stringify([s.profile_id, s.sync_interval_hours, s.filters, s.retention]);

  function buildSettings() {
    const profile = profiles.find((p) => p.id === source.profile_id);
    const profileField = form.field('profile_id', {
      label: 'Download profile', kind: 'select', value: source.profile_id,
      options: profileChoices(profiles.length ? profiles : [{ id: source.profile_id, name: (detail && detail.profile_name) || 'Current profile' }]),
      hint: profile ? describeProfile(profile) : 'Profiles are managed on the Settings page.',
    });
    const select = form.control('profile_id');
    select.addEventListener('change', () => {
      const hint = select.parentElement.querySelector('.hint');
      if (hint) hint.textContent = describeProfile(profiles.find((p) => String(p.id) === select.value));
    });
    setChildren(settingsBody,
      h('div', { class: 'options-grid' },
        profileField,
        source.kind === 'video' ? null : form.field('sync_interval_hours', {
          label: 'Check for new videos every (hours)', kind: 'number', min: 0.01, step: 'any', inputmode: 'decimal', value: source.sync_interval_hours,
        })),
      h('p', { class: 'small' }, h('a', { href: '/settings#profiles' }, 'Manage profiles')),
      source.kind === 'video' ? null : h('details', { class: 'options', open: Boolean(source.filters), dataset: { testid: 'source-filters' } },
        h('summary', {}, 'Filters: ', h('span', { class: 'muted', dataset: { testid: 'source-filters-summary' } }, describeFilters(source.filters))),
        h('div', { class: 'options-grid' }, filterFields(form, source.filters))),
      h('details', { class: 'options', open: Boolean(source.retention), dataset: { testid: 'source-retention-fields' } },
        h('summary', {}, 'Retention: ', h('span', { class: 'muted' }, describeRetention(source.retention))),
        h('div', { class: 'options-grid' }, retentionFields(form, source.retention))));
    shownSettings = settingsOf(source);
    dirty = false;
  }

  /** Refills the form when the settings changed elsewhere, unless the user is editing it. */
  function fillSettings() {
    if (!form.fields.size || dirty || settingsOf(source) === shownSettings) return;
    buildSettings();
  }

  async function save() {
    form.clearErrors();
    const body = { profile_id: Number(form.value('profile_id')) };
    if (source.kind !== 'video') {
      body.sync_interval_hours = form.number('sync_interval_hours');
      if (body.sync_interval_hours === null) delete body.sync_interval_hours;
      body.filters = readFilters(form);
    }
    body.retention = readRetention(form);
    const profileBefore = source.profile_id;
    try {
      const updated = await api(`/api/sources/${id}`, { method: 'PATCH', body });
      dirty = false;
      apply(updated);
      buildSettings();
      notify('Settings saved.', { kind: 'success', key: `saved-${id}` });
      if (updated.profile_id !== profileBefore) offerRedownload(updated);
      loadDetailSoon();
      loadSkippedSoon();
    } catch (err) {
      // Nothing was saved: the server names the field, and its sentence goes next to it.
      form.report(err);
      if (err.status >= 500 || err.code === 'network') notifyError(err, 'Could not save the settings');
    }
  }

  /** After a profile change: offer (never force) to fetch the tracks again with the new profile. */
  function offerRedownload(updated) {
    const have = updated.counts?.downloaded || 0;
    const name = profiles.find((p) => p.id === updated.profile_id)?.name || 'the new profile';
    if (!have) { redownloadOffer.hidden = true; return; }
    const button = h('button', {
      type: 'button', class: 'btn', dataset: { testid: 'source-redownload' },
      onclick: (e) => withBusy(e.currentTarget, async () => {
        try {
          const reply = await post(`/api/sources/${id}/redownload`);
          redownloadOffer.hidden = true;
          notify(`Queued ${formatCount(reply && reply.queued)} downloads with ${name}.`, { kind: 'success', key: `redownload-${id}` });
        } catch (err) {
          notifyError(err, 'Could not queue the downloads');
        }
      }),
    }, `Download ${formatCount(have)} ${have === 1 ? 'track' : 'tracks'} again`);
    setChildren(redownloadOffer,
      h('p', {}, `New downloads use ${name}. The ${formatCount(have)} ${have === 1 ? 'track' : 'tracks'} you have keep their files unless you download them again (likes and history stay).`),
      h('div', { class: 'actions' }, button,
        h('button', { type: 'button', class: 'btn btn-quiet', dataset: { testid: 'source-redownload-dismiss' }, onclick: () => { redownloadOffer.hidden = true; } }, 'Not now')));
    redownloadOffer.hidden = false;
  }

  // ---- tracks ----
  function renderTrack(track) {
    const playing = player.current();
    const isPlaying = Boolean(playing && playing.id === track.id);
    return h('li', { class: `track${isPlaying ? ' is-playing' : ''}`, dataset: { trackId: track.id, testid: `source-track-${track.id}`, rating: String(track.rating ?? 0) } },
      h('button', {
        type: 'button', class: 'play-art', 'aria-label': `Play “${track.title}”`, dataset: { testid: `source-track-play-${track.id}` },
        onclick: () => playFrom([...tracks.keys()].indexOf(track.id)),
      }, artwork(track, 40), h('span', { class: 'play-icon' }, icon(isPlaying ? 'note' : 'play'))),
      h('div', { class: 'track-main' },
        h('div', { class: 'track-title', title: track.title }, track.title),
        h('div', { class: 'track-meta small muted' }, formatDuration(track.duration), track.created_at ? [' · added ', timeEl(track.created_at)] : null)),
      h('div', { class: 'track-actions' }, ratingButtons(track, (value, button) => withBusy(button, async () => {
        const updated = await rate(tracks.get(track.id) || track, value);
        if (updated) { upsertTrack(updated); player.updateTrack(updated); }
      }))));
  }

  function renderTracks() {
    const items = [...tracks.values()].slice(0, TRACKS_SHOWN);
    if (!items.length) {
      setChildren(trackList, placeholder(source && source.state === 'syncing' ? 'Nothing downloaded yet; tracks appear here as they arrive.' : 'No tracks yet.', 'li'));
      return;
    }
    trackList.querySelector('.placeholder')?.remove();
    const rows = new Map([...trackList.children].map((el) => [Number(el.dataset.trackId), el]));
    let ref = trackList.firstElementChild;
    for (const track of items) {
      let row = rows.get(track.id);
      rows.delete(track.id);
      if (!row) row = renderTrack(track);
      if (row !== ref) trackList.insertBefore(row, ref); else ref = ref.nextElementSibling;
    }
    for (const row of rows.values()) row.remove();
  }

  function upsertTrack(track) {
    const known = tracks.has(track.id);
    if (!known) {
      // Newest first: a new download goes on top.
      const rest = [...tracks.entries()];
      tracks.clear();
      tracks.set(track.id, track);
      for (const [k, v] of rest) tracks.set(k, v);
    } else {
      track = { ...tracks.get(track.id), ...track };
      tracks.set(track.id, track);
      const row = trackList.querySelector(`[data-track-id="${track.id}"]`);
      if (row) replaceKeepingFocus(row, renderTrack(track));
    }
    renderTracks();
  }

  function removeTrack(trackId) {
    if (!tracks.delete(trackId)) return;
    trackList.querySelector(`[data-track-id="${trackId}"]`)?.remove();
    renderTracks();
  }

  function playFrom(i) {
    const all = [...tracks.values()];
    if (!all.length) return;
    player.playList(all, Math.max(0, i), queueFrom(source, tracksCursor));
  }

  async function loadTracks() {
    const data = await get('/api/tracks', trackQuery(source), { signal: controller.signal });
    tracks.clear();
    setChildren(trackList);
    for (const track of data.tracks || []) tracks.set(track.id, track);
    tracksCursor = data.next_before ?? null;
    renderTracks();
  }

  // ---- jobs ----
  function renderJob(job) {
    const trouble = job.status !== 'completed' ? explainJob(job) : null;
    return h('li', { class: `job job-${job.status}`, dataset: { testid: `source-job-${job.id}`, status: job.status, jobId: job.id } },
      h('div', { class: 'job-status' }, badge(job.status)),
      h('div', { class: 'job-main' },
        h('span', { class: 'job-title', title: jobTitle(job) }, jobTitle(job)),
        h('div', { class: 'job-sub small muted' },
          job.kind === 'download' ? null : [job.kind.replace(/_/g, ' '), ' · '],
          job.status === 'running' && job.progress ? h('span', { dataset: { testid: `source-job-progress-${job.id}` } }, progressText(job.progress))
            : timeEl(job.finished_at || job.updated_at)),
        trouble && ['failed', 'dead_letter', 'timeout', 'zombie', 'retrying'].includes(job.status) ? problemView(trouble, `source-job-error-${job.id}`, { compact: true }) : null),
      h('div', { class: 'job-progress' }, job.status === 'running' ? h('progress', { max: 100, value: Math.max(0, Math.min(100, job.progress?.percent ?? 0)), 'aria-label': `Progress of ${jobTitle(job)}` }) : null),
      h('div', { class: 'job-actions' }, isCancellable(job.status) ? h('a', { class: 'btn btn-small', href: `/jobs?source=${id}` }, 'Manage') : null));
  }

  function renderJobs() {
    const items = [...jobs.values()].sort((a, b) => b.id - a.id).slice(0, JOBS_SHOWN);
    for (const job of [...jobs.values()]) if (!items.includes(job)) jobs.delete(job.id);
    if (!items.length) { setChildren(jobList, placeholder('No jobs yet.', 'li')); return; }
    setChildren(jobList, items.map(renderJob));
  }

  async function loadJobs() {
    const data = await get('/api/jobs', { source: id, limit: JOBS_SHOWN }, { signal: controller.signal });
    jobs.clear();
    for (const job of data.jobs || []) if (job.source_id === id) jobs.set(job.id, job);
    renderJobs();
  }

  // ---- skipped entries ----
  async function loadSkipped(more = false) {
    const data = await get(`/api/sources/${id}/entries`, { skipped: 'true', limit: SKIPPED_PAGE, before: more ? skippedCursor : null }, more ? {} : { signal: controller.signal });
    skippedCursor = data.next_before ?? null;
    const rows = (data.entries || []).map((e) => h('li', { class: 'entry', dataset: { testid: `source-skipped-${e.video_id}` } },
      h('div', { class: 'entry-title' }, e.url ? h('a', { href: e.url, target: '_blank', rel: 'noopener noreferrer' }, e.title) : e.title),
      h('div', { class: 'small muted' }, h('span', { class: 'skip-reason', dataset: { testid: `source-skipped-reason-${e.video_id}` } }, e.skip_reason),
        e.duration ? ` · ${formatDuration(e.duration)}` : '', e.uploaded_at ? ` · published ${new Date(e.uploaded_at).toLocaleDateString()}` : '')));
    if (!more) setChildren(skippedList);
    skippedList.append(...rows);
    if (!skippedList.children.length) skippedList.append(placeholder('Nothing skipped.', 'li'));
    skippedMore.hidden = skippedCursor === null;
  }
  const loadSkippedSoon = debounce(() => loadSkipped().catch(report('the skipped entries')), 800, 3000);

  // ---- loading ----
  async function loadDetail() {
    detail = await get(`/api/sources/${id}`, null, { signal: controller.signal });
    apply(detail);
    renderRetention();
  }
  const loadDetailSoon = debounce(() => loadDetail().catch(report('the source')), 800, 3000);

  function report(what) {
    return (err) => { if (err.name !== 'AbortError') notifyError(err, `Could not load ${what}`); };
  }

  async function load() {
    controller.abort();
    controller = new AbortController();
    try {
      const [, profileList] = await Promise.all([
        loadDetail(),
        loadProfiles({ signal: controller.signal }).catch((err) => { if (err.name === 'AbortError') throw err; return []; }),
      ]);
      profiles = profileList;
      if (!form.fields.size || !dirty) buildSettings();
      loadFailed = false;
      await Promise.all([loadTracks(), loadJobs(), loadSkipped()]);
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 404) {
        gone = true;
        setChildren(root.querySelector('.page'), h('h1', {}, 'No such source'),
          h('p', {}, 'There is no source with this number (it may have been removed). ', h('a', { href: '/sources' }, 'See all sources'), '.'));
        return;
      }
      loadFailed = true;
      if (!source) replaceStatus(placeholder('This source could not be loaded. The page retries by itself when Spool is reachable again.'));
      notifyError(err, 'Could not load the source');
    }
  }

  const mine = (data) => data && data.source_id === id;
  const off = live.onMany({
    'source.updated': (data) => { if (data && data.id === id && !gone) apply(data); },
    'source.deleted': (data) => {
      if (!data || data.id !== id || gone) return;
      gone = true;
      notify(`${source ? sourceName(source) : 'This source'} was removed.`, { key: `removed-${id}` });
      navigate('/sources', { replace: true });
    },
    'track.added': (track) => { if (mine(track)) upsertTrack(track); },
    // A like or dislike changes what retention removes next.
    'track.updated': (track) => { if (tracks.has(track.id)) upsertTrack(track); },
    'track.state': (track) => { if (tracks.has(track.id)) { upsertTrack(track); if (source && source.retention) loadDetailSoon(); } },
    'track.deleted': (track) => { if (mine(track)) { removeTrack(track.id); loadDetailSoon(); } },
    'track.restored': (track) => { if (mine(track)) { upsertTrack(track); loadDetailSoon(); } },
    'track.purged': (data) => { if (data && tracks.has(data.id)) removeTrack(data.id); },
    'job.status': (job) => { if (mine(job)) { jobs.set(job.id, job); renderJobs(); } },
    'job.progress': ({ id: jobId, progress } = {}) => {
      const job = jobs.get(jobId);
      if (!job) return;
      job.progress = progress;
      const text = jobList.querySelector(`[data-testid="source-job-progress-${jobId}"]`);
      const bar = jobList.querySelector(`[data-job-id="${jobId}"] progress`);
      if (text && bar) { text.textContent = progressText(progress); bar.value = Math.max(0, Math.min(100, progress?.percent ?? 0)); } else renderJobs();
    },
    'jobs.enqueued': () => loadJobsSoon(),
    'jobs.deleted': () => loadJobsSoon(),
    reset: load,
    open: () => { if (loadFailed) load(); },
  });
  const loadJobsSoon = debounce(() => loadJobs().catch(report('the jobs')), 500, 2000);
  const offPlayer = player.subscribe((what) => {
    if (what !== 'track') return;
    for (const row of trackList.querySelectorAll('.track')) {
      const track = tracks.get(Number(row.dataset.trackId));
      const playing = player.current()?.id === track?.id;
      if (track && row.classList.contains('is-playing') !== playing) row.replaceWith(renderTrack(track));
    }
  });
  load();

  return () => {
    controller.abort();
    loadDetailSoon.cancel();
    loadSkippedSoon.cancel();
    loadJobsSoon.cancel();
    off();
    offPlayer();
  };
}
