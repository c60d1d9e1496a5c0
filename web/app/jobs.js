// /jobs — the live download dashboard, ordered by what matters: "Now downloading" (progress,
// speed, ETA), "Needs attention" (failures in plain words with a remedy), "Waiting" (position
// in line and when each job runs), and the finished jobs folded away. `?status=` shows one
// status as a flat list instead; `?source=` narrows either view to one source.
//
// Counts are the server's: every `/api/jobs` reply carries all nine, and every change is
// followed by a cheap refetch (`limit=1`), never by local arithmetic that could drift.
// Rows change over the WebSocket (job.status, job.progress), never by polling.
import { get, post, api } from './api.js';
import { explainJob, explain, problemView } from './errors.js';
import { icon } from './icons.js';
import { jobTitle, progressText } from './jobview.js';
import * as live from './live.js';
import { JOB_STATUSES, STATUS_SETS, jobGroups, isRetryable, isCancellable, statusLabel } from './meta.js';
import { notify, notifyError } from './notices.js';
import { pausedUntilTime } from './ratelimit.js';
import {
  h, setChildren, setBusy, withBusy, badge, placeholder, timeEl, reconcile,
  formatAbsolute, debounce,
} from './ui.js';
import { sourceMenu } from './sourcemenu.js';
import { windowed } from './windowed.js';

const PAGE = 100;
// The waiting line is read in due order (order=due), a page at a time: the loaded jobs'
// positions are exact. 100 at first (ten show); "Show the next 100 in line" reads on, up to 500.
// It read 500 at once before: 245 kB and 9.7 ms (p99 41 ms) at 300,000 jobs, for ten rows shown.
const WAITING_PAGE = 100;
const WAITING_MAX = 500;
const WAITING_SHOWN = 10; // the next ten in line; the rest behind "Show all"
const FINISHED_PAGE = 50;
const number = new Intl.NumberFormat();

export function mount(root) {
  const params = new URLSearchParams(location.search);
  let filter = JOB_STATUSES.includes(params.get('status')) ? params.get('status') : '';
  let sourceFilter = /^\d+$/.test(params.get('source') || '') ? params.get('source') : '';
  const jobs = new Map(); // id → Job this page knows
  const inFlight = new Set(); // "retry-17": actions awaiting the server, shown as busy buttons
  let counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0]));
  let countsKnown = false;
  let nextBefore = null; // flat view paging
  let controller = new AbortController();
  let detailsId = null;
  let loadFailed = false;
  let showAllWaiting = false;
  let finishedLoaded = false;
  let waitingEdge = null; // the last waiting job loaded when more wait (positions beyond it are unknown)
  let waitingCursor = null; // the line's next_before when more wait
  let waitingWanted = WAITING_PAGE; // how many in line a reload reads again (the pages read so far)

  // ---- header: summary, filters ----
  const summary = h('p', { class: 'jobs-summary', dataset: { testid: 'jobs-summary' }, 'aria-live': 'polite' });
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter jobs by status', dataset: { testid: 'status-chips' } });
  const statusSelect = h('select', { id: 'jobs-status', dataset: { testid: 'status-select' }, onchange: (e) => setFilter(e.target.value) });
  const sourceSelect = h('select', { id: 'jobs-source', dataset: { testid: 'jobs-source' }, onchange: (e) => setSource(e.target.value) },
    h('option', { value: '' }, 'All sources'));
  const sourceCounts = h('p', { class: 'small muted', dataset: { testid: 'jobs-source-counts' } });
  // The menu's options are read when it is first used; the names of the sources the rows
  // mention (and whether they are paused) are read one by one as rows need them.
  const namesArrived = debounce(() => { renderSourceCounts(); render(); }, 200, 1000);
  const sources = sourceMenu(sourceSelect, { selected: sourceFilter, onNames: namesArrived });
  const bulkFailed = bulkButton('failed', 'Retry all failed');
  const bulkDead = bulkButton('dead_letter', 'Retry all dead-letter');

  // ---- sections (the default view) ----
  const section = (key, title) => {
    const list = h('ul', { class: 'job-list', dataset: { testid: `jobs-${key}-list` } });
    const count = h('span', { class: 'section-count', dataset: { testid: `jobs-${key}-count` } });
    const head = h('div', { class: 'section-head' }, h('h2', { id: `jobs-${key}-title` }, title, ' ', count));
    const el = h('section', { class: `jobs-section jobs-${key}`, 'aria-labelledby': `jobs-${key}-title`, dataset: { testid: `jobs-${key}` } }, head, list);
    return { key, el, list, count, head };
  };
  const running = section('running', 'Now downloading');
  const attention = section('attention', 'Needs attention');
  attention.head.append(h('div', { class: 'actions' }, bulkFailed, bulkDead));
  const waiting = section('waiting', 'Waiting');
  const waitingMore = h('button', { type: 'button', class: 'btn btn-small', hidden: true, dataset: { testid: 'jobs-waiting-more' }, onclick: () => { showAllWaiting = !showAllWaiting; renderSections(); } });
  const waitingNext = h('button', {
    type: 'button', class: 'btn btn-small', hidden: true, dataset: { testid: 'jobs-waiting-next' },
    onclick: (e) => withBusy(e.currentTarget, loadMoreWaiting),
  }, `Show the next ${WAITING_PAGE} in line`);
  waiting.el.append(h('div', { class: 'load-more' }, waitingMore, waitingNext));
  const brakeNote = h('p', { class: 'small brake-note', hidden: true, dataset: { testid: 'jobs-brake' } });
  waiting.head.after(brakeNote);
  const finishedList = h('ul', { class: 'job-list', dataset: { testid: 'jobs-finished-list' } });
  const finishedCount = h('span', { class: 'section-count', dataset: { testid: 'jobs-finished-count' } });
  const clearFinished = h('button', {
    type: 'button', class: 'btn btn-small', dataset: { testid: 'jobs-clear-finished' },
    onclick: (e) => withBusy(e.currentTarget, clearTheFinished),
  }, 'Clear finished');
  const finished = h('details', { class: 'jobs-section jobs-finished', dataset: { testid: 'jobs-finished' } },
    h('summary', {}, h('h2', {}, 'Finished ', finishedCount)),
    h('div', { class: 'section-head' },
      h('p', { class: 'small muted' }, 'Completed jobs are also removed by themselves after JOB_RETENTION_DAYS (30 days unless set). Clearing keeps the tracks.'),
      clearFinished),
    finishedList);
  finished.addEventListener('toggle', () => { if (finished.open && !finishedLoaded) loadFinished(); });

  const sections = h('div', { class: 'job-sections', dataset: { testid: 'job-list' } }, running.el, attention.el, waiting.el, finished);
  const flatList = h('ul', { class: 'job-list', dataset: { testid: 'job-flat-list' } });
  const loadMore = h('button', { type: 'button', class: 'btn', hidden: true, dataset: { testid: 'jobs-load-more' }, onclick: (e) => withBusy(e.currentTarget, () => fetchFlat(true)) }, 'Load more');
  const flat = h('div', { class: 'job-flat' }, flatList, h('div', { class: 'load-more' }, loadMore));
  // One status can hold 300,000 jobs: its list is windowed and loads the next page as the
  // user scrolls toward the end (the button stays for the keyboard).
  let flatFetching = null;
  const flatRows = windowed(flatList, {
    key: (j) => j.id, sign: (j) => sign(j), render: (j) => renderRow(j),
    nearEnd: () => { if (filter && nextBefore !== null && nextBefore !== undefined && !flatFetching && !loadFailed) fetchFlat(true).catch(() => {}); },
  });
  const details = h('dialog', { class: 'dialog dialog-wide', 'aria-labelledby': 'job-details-title', dataset: { testid: 'job-details' } });
  details.addEventListener('close', () => { detailsId = null; });

  root.append(h('section', { class: 'page page-jobs' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Jobs'), summary),
    h('div', { class: 'jobs-filters' },
      chips,
      h('div', { class: 'field status-field' }, h('label', { for: 'jobs-status' }, 'Status'), statusSelect),
      h('div', { class: 'field' }, h('label', { for: 'jobs-source' }, 'Source'), sourceSelect)),
    sourceCounts, sections, flat, details));

  function bulkButton(status, label) {
    return h('button', {
      type: 'button', class: 'btn btn-small', dataset: { testid: `bulk-retry-${status}` },
      onclick: (event) => withBusy(event.currentTarget, async () => {
        try {
          // One source's: its jobs by id (the status alone would retry every source's).
          const body = sourceFilter
            ? { ids: ((await get('/api/jobs', { status, source: sourceFilter, limit: 500 })).jobs || []).map((j) => j.id) }
            : { status };
          if (body.ids && !body.ids.length) return;
          const result = await post('/api/jobs/retry', body);
          for (const job of (result && result.jobs) || []) applyJob(job);
          notify(`Retried ${result ? result.retried : 0} ${statusLabel(status)} job(s).`, { kind: 'success', key: 'bulk-retry' });
        } catch (err) {
          notifyError(err, 'Bulk retry failed');
        }
        await refreshCounts();
      }),
    }, label);
  }

  // ---- counts and filters ----
  const total = () => JOB_STATUSES.reduce((sum, s) => sum + (counts[s] || 0), 0);
  const sum = (statuses) => statuses.reduce((n, s) => n + (counts[s] || 0), 0);
  const groupOf = (status) => jobGroups().find((g) => g.statuses.includes(status))?.key;
  const group = (key) => jobGroups().find((g) => g.key === key);

  function renderCounts() {
    const chip = (status, label, count) => h('button', {
      type: 'button', class: `chip chip-${status || 'all'}`, 'aria-pressed': String(filter === status),
      dataset: { testid: `status-chip-${status || 'all'}` },
      onclick: () => setFilter(status),
    }, label, ' ', h('span', { class: 'chip-count', dataset: { testid: `status-count-${status || 'all'}` } }, number.format(count)));
    const hadFocus = chips.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    setChildren(chips, chip('', 'All', total()), JOB_STATUSES.map((s) => chip(s, statusLabel(s), counts[s] || 0)));
    if (hadFocus) chips.querySelector(`[data-testid="${hadFocus}"]`)?.focus();
    setChildren(statusSelect,
      h('option', { value: '' }, `All, by what needs you (${number.format(total())})`),
      JOB_STATUSES.map((s) => h('option', { value: s }, `${statusLabel(s)} (${number.format(counts[s] || 0)})`)));
    statusSelect.value = filter;
    bulkFailed.textContent = `Retry all failed (${number.format(counts.failed || 0)})`;
    bulkDead.textContent = `Retry all dead-letter (${number.format(counts.dead_letter || 0)})`;
    bulkFailed.hidden = !counts.failed;
    bulkDead.hidden = !counts.dead_letter;
    if (bulkFailed.dataset.busy !== 'true') bulkFailed.disabled = !counts.failed;
    if (bulkDead.dataset.busy !== 'true') bulkDead.disabled = !counts.dead_letter;
    running.count.textContent = number.format(sum(group('running').statuses));
    attention.count.textContent = number.format(sum(group('attention').statuses));
    waiting.count.textContent = number.format(sum(group('waiting').statuses));
    finishedCount.textContent = `${number.format(counts.completed || 0)} completed · ${number.format(counts.cancelled || 0)} cancelled`;
    if (clearFinished.dataset.busy !== 'true') clearFinished.disabled = !sum(group('finished').statuses);
    const parts = [
      `${number.format(counts.running || 0)} downloading`,
      `${number.format(sum(group('waiting').statuses))} waiting`,
      `${number.format(sum(group('attention').statuses))} need attention`,
      `${number.format(counts.completed || 0)} done`,
    ];
    summary.textContent = countsKnown ? parts.join(' · ') : '';
    summary.dataset.total = String(total());
  }

  function setFilter(status) {
    if (status === filter) return;
    filter = status;
    syncUrl();
    renderCounts();
    reload();
  }

  function setSource(id) {
    sourceFilter = id;
    syncUrl();
    renderSourceCounts();
    reload();
  }

  function syncUrl() {
    const query = new URLSearchParams();
    if (filter) query.set('status', filter);
    if (sourceFilter) query.set('source', sourceFilter);
    const qs = query.toString();
    history.replaceState({}, '', qs ? `/jobs?${qs}` : '/jobs');
  }

  function renderSourceCounts() {
    const source = sources.source(sourceFilter, { full: true });
    if (!sourceFilter || !source) { sourceCounts.hidden = true; return; }
    sourceCounts.hidden = false;
    // A name from the menu has no counts yet: they show when the source is read by id.
    const downloaded = source.counts ? ` (${number.format(source.counts.downloaded || 0)} downloaded)` : '';
    setChildren(sourceCounts, 'Only the jobs of ', h('a', { href: `/sources/${source.id}` }, source.title || source.url),
      `${downloaded}. `, h('a', { href: '/jobs' }, 'Show every source'), '.');
  }

  /** Live events bring every source's jobs; a filtered page keeps its own. */
  const matchesSource = (job) => !sourceFilter || String(job.source_id) === sourceFilter;

  // ---- rows ----
  function renderProgress(job) {
    const p = job.progress;
    if (job.status !== 'running') return [];
    if (!p) return [h('span', { class: 'small muted', dataset: { testid: `job-progress-text-${job.id}` } }, 'Starting…')];
    const percent = Math.max(0, Math.min(100, p.percent ?? 0));
    return [
      h('progress', { max: 100, value: percent, 'aria-label': `Progress of ${job.title || `job ${job.id}`}` }),
      h('span', { class: 'small muted progress-text', dataset: { testid: `job-progress-text-${job.id}` } }, progressText(p)),
    ];
  }

  function actionButton(job, action, label) {
    const key = `${action}-${job.id}`;
    const button = h('button', {
      type: 'button', class: `btn btn-small${action === 'cancel' ? ' btn-danger-outline' : ''}`,
      dataset: { testid: `job-${action}-${job.id}` },
      'aria-label': `${label} ${job.title || `job ${job.id}`}`,
      onclick: () => runAction(job.id, action),
    }, label);
    if (inFlight.has(key)) setBusy(button, true);
    return button;
  }

  const heldBySource = (job) => Boolean(job.source_id && sources.source(job.source_id)?.paused);

  /** "#3 in line · runs when a worker is free" / "next try in 4 min" / "held: downloads paused until 12:05" / "held: its source is paused". */
  function waitingText(job, position) {
    const parts = [];
    if (position) parts.push(`#${number.format(position)} in line`);
    const due = Date.parse(job.run_after);
    const brake = pausedUntilTime();
    if (heldBySource(job)) parts.push(['held: ', h('a', { href: `/sources/${job.source_id}` }, 'its source is paused')]);
    else if (brake) parts.push(['held: downloads paused until ', timeEl(brake, { absolute: true })]);
    else if (due > Date.now() + 1000) parts.push([job.status === 'retrying' ? 'next try ' : 'runs ', timeEl(job.run_after)]);
    else parts.push('runs when a worker is free');
    return parts.flatMap((p, i) => (i ? [' · ', p] : [p]));
  }

  const sourceName = (job) => (job.source_id && sources.source(job.source_id)?.title) || null;

  function renderRow(job, { position = null } = {}) {
    const title = jobTitle(job);
    // A problem is shown where it matters: on jobs that need attention or wait for a retry.
    const problem = ['attention', 'waiting'].includes(groupOf(job.status)) ? explainJob(job) : null;
    const sub = [sourceName(job), job.kind === 'download' ? null : statusLabel(job.kind),
      job.attempts > 1 ? `attempt ${job.attempts} of ${job.max_attempts}` : null].filter(Boolean).join(' · ');
    return h('li', { class: `job job-${job.status}`, dataset: { testid: `job-row-${job.id}`, jobId: job.id, status: job.status, updated: job.updated_at } },
      h('div', { class: 'job-status' }, badge(job.status, `job-status-${job.id}`)),
      h('div', { class: 'job-main' },
        h('button', { type: 'button', class: 'link-button job-title', title, dataset: { testid: `job-open-${job.id}` }, onclick: () => openDetails(job.id), 'aria-haspopup': 'dialog' }, title),
        h('div', { class: 'job-sub small muted' },
          sub,
          job.status === 'pending' || job.status === 'retrying' ? [sub ? ' · ' : '', waitingText(job, position)] : null,
          job.status === 'completed' || job.status === 'cancelled' ? [sub ? ' · ' : '', 'finished ', timeEl(job.finished_at || job.updated_at)] : null,
          groupOf(job.status) === 'attention' ? [sub ? ' · ' : '', timeEl(job.finished_at || job.updated_at)] : null),
        problem && problemView(problem, `job-error-${job.id}`, { compact: true })),
      h('div', { class: 'job-progress', dataset: { testid: `job-progress-${job.id}` } }, renderProgress(job)),
      h('div', { class: 'job-actions' },
        isRetryable(job.status) && actionButton(job, 'retry', 'Retry'),
        isCancellable(job.status) && actionButton(job, 'cancel', 'Cancel')));
  }

  /**
   * Everything a row shows except its progress and its busy buttons (both updated in place).
   * A row is replaced only when this changes: a replaced row swallows a click whose press and
   * release straddle the swap, so nothing that changes often belongs here.
   */
  const sign = (job, position = null) => [job.status, job.updated_at, job.attempts, job.run_after, job.last_error, job.error_class,
    position, sourceName(job), ['pending', 'retrying'].includes(job.status) ? [pausedUntilTime(), heldBySource(job)] : '',
    job.status === 'running' && !job.progress].join('|');

  // Claim order (the server's): priority first, then due time, then age.
  const byClaimOrder = (a, b) => (b.priority || 0) - (a.priority || 0) || Date.parse(a.run_after) - Date.parse(b.run_after) || a.id - b.id;
  const byRecent = (a, b) => (b.finished_at || b.updated_at || '').localeCompare(a.finished_at || a.updated_at || '') || b.id - a.id;

  function renderSections() {
    const all = [...jobs.values()];
    const of = (key) => all.filter((j) => group(key).statuses.includes(j.status));
    const show = (sec, items, { positions = null, empty } = {}) => {
      reconcile(sec.list, items, {
        key: (j) => j.id,
        sign: (j) => sign(j, positions ? positions.get(j.id) : null),
        render: (j) => renderRow(j, { position: positions ? positions.get(j.id) : null }),
      });
      if (!items.length && empty) sec.list.append(h('li', { class: 'placeholder small' }, empty));
    };
    const runningJobs = of('running').sort((a, b) => (a.started_at || '').localeCompare(b.started_at || '') || a.id - b.id);
    show(running, runningJobs.filter(matchesSource), { empty: counts.running || sourceFilter ? 'Nothing of this source is downloading.' : 'Nothing is downloading right now.' });
    const problems = of('attention').sort(byRecent).filter(matchesSource);
    show(attention, problems);
    attention.el.hidden = !problems.length && !sum(group('attention').statuses);

    const line = of('waiting').sort(byClaimOrder);
    // Positions in the whole line, as the server orders it (order=due): exact for the jobs up to
    // the last one loaded; one source's share of the line has no positions of its own.
    const known = waitingEdge ? line.filter((j) => byClaimOrder(j, waitingEdge) <= 0) : line;
    const positions = sourceFilter ? null : new Map(known.map((j, i) => [j.id, i + 1]));
    const mine = line.filter(matchesSource);
    const shown = showAllWaiting ? mine : mine.slice(0, WAITING_SHOWN);
    show(waiting, shown, { positions, empty: 'No downloads are waiting.' });
    waitingMore.hidden = mine.length <= WAITING_SHOWN;
    waitingMore.textContent = showAllWaiting ? 'Show the next ten only'
      : waitingEdge ? `Show the first ${number.format(mine.length)} in line` : `Show all ${number.format(mine.length)} waiting`;
    waitingNext.hidden = !showAllWaiting || !waitingEdge || waitingWanted >= WAITING_MAX;
    const brake = pausedUntilTime();
    brakeNote.hidden = !brake || !line.length;
    if (brake) setChildren(brakeNote, icon('clock', 16), ' The site is rate-limiting Spool: waiting downloads start at ', timeEl(brake, { absolute: true }), '.');

    const done = of('finished').sort(byRecent).filter(matchesSource);
    reconcile(finishedList, done, { key: (j) => j.id, sign: (j) => sign(j), render: (j) => renderRow(j) });
    if (finishedLoaded && !done.length) finishedList.append(h('li', { class: 'placeholder small' }, 'No finished jobs.'));
  }

  function renderFlat() {
    const items = [...jobs.values()].filter((j) => j.status === filter && matchesSource(j)).sort((a, b) => b.id - a.id);
    flatRows.setEmpty(h('li', { class: 'placeholder' }, `No ${statusLabel(filter)} jobs${sourceFilter ? ' of this source' : ''}.`));
    flatRows.set(items);
    loadMore.hidden = nextBefore === null || nextBefore === undefined;
  }

  function render() {
    sections.hidden = Boolean(filter);
    flat.hidden = !filter;
    if (filter) renderFlat(); else renderSections();
  }

  /** Keeps the newer of two copies of a job (a live event may beat the list that loads). */
  function keep(job) {
    const old = jobs.get(job.id);
    if (old && (old.updated_at || '') > (job.updated_at || '')) return;
    if (old && !job.progress && old.progress && job.status === 'running') job = { ...job, progress: old.progress };
    jobs.set(job.id, job);
  }

  /** Any fresh Job (from an action or a live event): list, counts (refetched) and details. */
  function applyJob(job) {
    keep(job);
    if ((filter && job.status !== filter) || !matchesSource(job)) jobs.delete(job.id);
    render();
    refreshCountsSoon();
    if (detailsId === job.id) loadDetails(job.id);
  }

  function applyProgress({ id, progress }) {
    const job = jobs.get(id);
    if (!job) return;
    const hadNone = !job.progress;
    job.progress = progress;
    if (hadNone) { render(); return; }
    const cell = root.querySelector(`[data-testid="job-progress-${id}"]`);
    if (cell) setChildren(cell, renderProgress(job));
  }

  async function runAction(id, action) {
    const key = `${action}-${id}`;
    if (inFlight.has(key)) return; // repeated clicks while in flight are ignored
    inFlight.add(key);
    // Busy in place (every copy of the button: the row and the details dialog).
    const buttons = () => root.querySelectorAll(`[data-testid="job-${action}-${id}"]`);
    for (const button of buttons()) setBusy(button, true);
    try {
      const job = await post(`/api/jobs/${id}/${action}`);
      inFlight.delete(key); // before applyJob, so the re-rendered row's button is not busy
      if (job && job.id !== undefined) applyJob(job);
      notify(`${job && job.title ? `“${job.title}”` : `Job ${id}`}: ${action === 'retry' ? 'queued again' : job && job.status === 'running' ? 'stopping' : 'cancelled'}.`, { kind: 'success', key: `job-${id}` });
    } catch (err) {
      notifyError(err, `Could not ${action} job ${id}`);
    } finally {
      inFlight.delete(key);
      for (const button of buttons()) if (button.dataset.busy) setBusy(button, false);
    }
    await refreshCounts();
  }

  // ---- loading ----
  function takeCounts(data) {
    if (data && data.counts) {
      counts = { ...counts, ...data.counts };
      countsKnown = true;
      renderCounts();
    }
  }

  /** One section's jobs in one request (its statuses, comma-separated), with the counts. */
  function fetchGroup(key, query, signal) {
    return fetchStatuses(group(key).statuses, query, signal);
  }

  async function fetchStatuses(statuses, query, signal) {
    const data = await get('/api/jobs', { status: statuses.join(','), source: sourceFilter, ...query }, { signal });
    if (signal.aborted) return null;
    for (const job of data.jobs || []) keep(job);
    takeCounts(data);
    return data;
  }

  /**
   * The waiting jobs in the order workers will claim them: the first `waitingWanted` of them,
   * or with `more` the next WAITING_PAGE after the last one loaded. Due
   * order is an index walk of the jobs that wait (pending, retrying), which the server keeps it
   * to; the section's other jobs (a zombie about to be recovered) come newest first.
   */
  async function loadWaiting(signal, { more = false } = {}) {
    const statuses = group('waiting').statuses;
    const due = statuses.filter((s) => (STATUS_SETS.waiting || []).includes(s));
    const others = statuses.filter((s) => !due.includes(s));
    const line = more ? { limit: WAITING_PAGE, before: waitingCursor } : { limit: waitingWanted };
    const [data] = await Promise.all([
      fetchStatuses(due, { ...line, order: 'due' }, signal),
      !more && others.length && sum(others) ? fetchStatuses(others, { limit: PAGE }, signal) : null,
    ]);
    if (!data) return;
    const list = data.jobs || [];
    waitingCursor = data.next_before ?? null;
    waitingEdge = waitingCursor !== null && list.length ? list[list.length - 1] : null;
  }

  /** The next page of the waiting line (the "Show the next 100 in line" button). */
  async function loadMoreWaiting() {
    if (!waitingCursor) return;
    try {
      await loadWaiting(controller.signal, { more: true });
      waitingWanted = Math.min(WAITING_MAX, waitingWanted + WAITING_PAGE);
      renderSections();
    } catch (err) {
      if (err.name !== 'AbortError') notifyError(err, 'Could not load more waiting jobs');
    }
  }

  async function loadSections() {
    const { signal } = controller;
    // The running jobs first (and the counts with them), then only the sections that have jobs.
    await fetchGroup('running', { limit: PAGE }, signal);
    await Promise.all([
      sum(group('attention').statuses) ? fetchGroup('attention', { limit: PAGE }, signal) : null,
      sum(group('waiting').statuses) ? loadWaiting(signal) : null,
    ]);
    if (finished.open) await loadFinished();
  }

  async function loadFinished() {
    const { signal } = controller;
    try {
      await fetchGroup('finished', { limit: FINISHED_PAGE }, signal);
      finishedLoaded = true;
      render();
    } catch (err) {
      if (err.name !== 'AbortError') notifyError(err, 'Could not load the finished jobs');
    }
  }

  /** Forgets the finished jobs of `statuses` (cleared here or in another tab). */
  function dropFinished(statuses) {
    for (const job of [...jobs.values()]) if (statuses.includes(job.status)) jobs.delete(job.id);
    render();
  }

  async function clearTheFinished() {
    const statuses = group('finished').statuses;
    try {
      const reply = await api('/api/jobs', { method: 'DELETE', query: { status: statuses.join(','), source: sourceFilter } });
      takeCounts(reply);
      dropFinished(statuses);
      notify(`Cleared ${number.format(reply ? reply.deleted : 0)} finished job(s).`, { kind: 'success', key: 'clear-finished' });
    } catch (err) {
      notifyError(err, 'Could not clear the finished jobs');
    }
  }

  function fetchFlat(more = false) {
    if (more && flatFetching) return flatFetching;
    flatFetching = loadFlat(more).finally(() => { flatFetching = null; });
    return flatFetching;
  }

  async function loadFlat(more) {
    const { signal } = controller;
    const data = await get('/api/jobs', { status: filter, limit: PAGE, before: more ? nextBefore : null, source: sourceFilter }, { signal });
    if (signal.aborted) return;
    nextBefore = data.next_before ?? null;
    for (const job of data.jobs || []) keep(job);
    takeCounts(data);
    render();
  }

  async function reload() {
    controller.abort();
    controller = new AbortController();
    jobs.clear();
    waitingEdge = null;
    waitingCursor = null;
    nextBefore = null;
    finishedLoaded = false;
    const target = filter ? flatList : running.list;
    if (filter) flatRows.set([]);
    setChildren(target, h('li', { class: 'placeholder' }, 'Loading jobs…'));
    try {
      if (filter) await fetchFlat(false); else await loadSections();
      loadFailed = false;
      render();
    } catch (err) {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      setChildren(target, h('li', { class: 'placeholder' }, 'Jobs could not be loaded. This page reloads them by itself when Spool is reachable again.'));
      notifyError(err, 'Could not load jobs');
    }
  }

  async function refreshCounts() {
    try {
      takeCounts(await get('/api/jobs', { limit: 1, source: sourceFilter }));
      if (!filter) render();
    } catch (err) {
      if (err.name !== 'AbortError') console.warn('job counts could not be refreshed', err);
    }
  }
  // A burst of changes (a sync enqueues many, downloads finish in quick succession) costs one
  // request per 0.4 s of quiet, and at least one every 1.5 s while the burst lasts.
  const refreshCountsSoon = debounce(refreshCounts, 400, 1500);
  const reloadWaitingSoon = debounce(async () => {
    if (filter && !group('waiting').statuses.includes(filter)) return;
    const { signal } = controller;
    try {
      if (filter) await fetchFlat(false);
      else await loadWaiting(signal);
      render();
    } catch (err) {
      if (err.name !== 'AbortError') notifyError(err, 'Could not load the new jobs');
    }
  }, 500, 2000);

  // ---- details dialog: facts in absolute times, the timeline, the log tail ----
  async function openDetails(id) {
    detailsId = id;
    setChildren(details, h('p', { class: 'placeholder' }, 'Loading…'));
    if (!details.open) details.showModal();
    await loadDetails(id);
  }

  async function loadDetails(id) {
    let job;
    try {
      job = await get(`/api/jobs/${id}`);
    } catch (err) {
      notifyError(err, `Could not load job ${id}`);
      if (detailsId === id) details.close();
      return;
    }
    if (detailsId !== id) return;
    const field = (label, value) => [h('dt', {}, label), h('dd', {}, value ?? '—')];
    const at = (iso) => (iso ? h('time', { datetime: iso, title: formatAbsolute(iso) }, formatAbsolute(iso)) : '—');
    const p = job.progress || {};
    const scrollTop = details.querySelector('.log')?.scrollTop;
    const problem = explainJob(job);
    setChildren(details,
      h('div', { class: 'dialog-head' },
        h('h2', { id: 'job-details-title' }, job.title || job.video_id || `Job ${job.id}`),
        h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': 'Close details', dataset: { testid: 'job-details-close' }, onclick: () => details.close() }, icon('close'))),
      h('div', { class: 'dialog-scroll' },
        problem && problemView(problem, 'job-details-problem'),
        h('dl', { class: 'facts' },
          field('Status', badge(job.status, 'job-details-status')),
          field('Kind', statusLabel(job.kind)),
          field('Source', sourceName(job)),
          field('Job id', String(job.id)),
          field('Video', job.video_id),
          field('Attempts', `${job.attempts} of ${job.max_attempts}`),
          field('Priority', String(job.priority ?? 0)),
          field('Created', at(job.created_at)),
          field('Started', at(job.started_at)),
          field('Finished', at(job.finished_at)),
          field('Runs after', at(job.run_after)),
          field('Progress', p.percent !== undefined && p.percent !== null ? progressText(p) : '—')),
        h('div', { class: 'actions' },
          isRetryable(job.status) && h('button', { type: 'button', class: 'btn', dataset: { testid: 'job-details-retry' }, onclick: (e) => withBusy(e.currentTarget, () => runAction(job.id, 'retry')) }, 'Retry'),
          isCancellable(job.status) && h('button', { type: 'button', class: 'btn btn-danger-outline', dataset: { testid: 'job-details-cancel' }, onclick: (e) => withBusy(e.currentTarget, () => runAction(job.id, 'cancel')) }, 'Cancel')),
        h('h3', {}, 'Timeline'),
        (job.events && job.events.length)
          ? h('ol', { class: 'timeline', dataset: { testid: 'job-timeline' } }, job.events.map((ev) => h('li', {},
            h('div', {}, h('span', { class: 'timeline-at' }, timeEl(ev.at, { absolute: true })), ' ',
              ev.from ? [badge(ev.from), ' → '] : null, badge(ev.to || 'pending'),
              ev.attempt ? h('span', { class: 'small muted' }, ` attempt ${ev.attempt}`) : null),
            (ev.message || ev.error_class) && (ev.error_class
              ? problemView(explain({ errorClass: ev.error_class, message: ev.message }), `job-event-${ev.id}`, { compact: true })
              : h('div', { class: 'small muted' }, ev.message)),
            ev.exit_code !== null && ev.exit_code !== undefined && ev.exit_code !== 0
              ? h('div', { class: 'small muted' }, `yt-dlp exited with status ${ev.exit_code}${ev.signal ? ` (signal ${ev.signal})` : ''}`) : null)))
          : placeholder('No events recorded.'),
        h('h3', {}, 'Log tail'),
        job.log_tail
          ? h('pre', { class: 'log', tabindex: '0', 'aria-label': 'yt-dlp output', dataset: { testid: 'job-log' } }, job.log_tail)
          : placeholder('No output captured.')));
    const log = details.querySelector('.log');
    if (log) log.scrollTop = scrollTop ?? log.scrollHeight; // show the last lines first
  }

  const off = live.onMany({
    'job.status': (job) => job && job.id !== undefined && applyJob(job),
    'job.progress': (data) => data && applyProgress(data),
    // A big batch (a source's first sync) arrives as one event: refetch the waiting jobs once.
    'jobs.enqueued': () => { reloadWaitingSoon(); refreshCountsSoon(); },
    // Finished jobs cleared (here or in another tab): their rows go, the counts are refetched.
    'jobs.deleted': (data) => { dropFinished((data && data.statuses) || group('finished').statuses); refreshCountsSoon(); },
    'source.updated': (source) => sources.remember(source),
    'source.deleted': (data) => data && sources.forget(data.id),
    'ratelimit.paused': () => setTimeout(render),
    'ratelimit.resumed': () => setTimeout(render),
    reset: () => reload(),
    // Back after an outage: a page that failed to load loads now.
    open: () => { if (loadFailed) reload(); },
  });

  renderCounts();
  reload();

  return () => {
    controller.abort();
    refreshCountsSoon.cancel();
    reloadWaitingSoon.cancel();
    namesArrived.cancel();
    off();
    flatRows.destroy();
    if (details.open) details.close();
  };
}
