// /jobs — the live download dashboard. The list comes from GET /api/jobs once; after that
// every change arrives over the WebSocket (job.status, job.progress), never by polling.
import { get, post } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import {
  h, setChildren, setBusy, withBusy, replaceKeepingFocus, badge, placeholder, timeEl,
  formatBytes, formatDuration, debounce,
} from './ui.js';

export const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout', 'retrying', 'dead_letter', 'zombie'];
const RETRYABLE = new Set(['failed', 'cancelled', 'timeout', 'dead_letter', 'zombie']);
const CANCELLABLE = new Set(['pending', 'running', 'retrying']);
const PAGE = 100;

export function mount(root) {
  const params = new URLSearchParams(location.search);
  let filter = STATUSES.includes(params.get('status')) ? params.get('status') : '';
  const jobs = new Map(); // id → Job currently listed
  const knownStatus = new Map(); // id → last status seen, to keep counts exact without refetching
  const inFlight = new Set(); // "retry-17": actions awaiting the server, shown as busy buttons
  let counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  let nextBefore = null;
  let controller = new AbortController();
  let detailsId = null;

  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter jobs by status', dataset: { testid: 'status-chips' } });
  const list = h('ul', { class: 'job-list', dataset: { testid: 'job-list' }, 'aria-live': 'off' });
  const loadMore = h('button', { type: 'button', class: 'btn', hidden: true, dataset: { testid: 'jobs-load-more' }, onclick: (e) => withBusy(e.currentTarget, () => fetchPage(true)) }, 'Load more');
  const bulkFailed = bulkButton('failed', 'Retry all failed');
  const bulkDead = bulkButton('dead_letter', 'Retry all dead-letter');
  const summary = h('p', { class: 'muted small', dataset: { testid: 'jobs-summary' } });
  const details = h('dialog', { class: 'dialog dialog-wide', 'aria-labelledby': 'job-details-title', dataset: { testid: 'job-details' } });
  details.addEventListener('close', () => { detailsId = null; });

  root.append(h('section', { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Jobs'), h('div', { class: 'actions' }, bulkFailed, bulkDead)),
    chips, summary, list, h('div', { class: 'load-more' }, loadMore), details));

  function bulkButton(status, label) {
    return h('button', {
      type: 'button', class: 'btn', dataset: { testid: `bulk-retry-${status}` },
      onclick: (event) => withBusy(event.currentTarget, async () => {
        try {
          const result = await post('/api/jobs/retry', { status });
          for (const job of (result && result.jobs) || []) applyJob(job);
          notify(`Retried ${result ? result.retried : 0} ${status.replace('_', '-')} job(s).`, { kind: 'success' });
          refreshCounts();
        } catch (err) {
          notifyError(err, 'Bulk retry failed');
        }
      }),
    }, label);
  }

  function renderChips() {
    const total = STATUSES.reduce((sum, s) => sum + (counts[s] || 0), 0);
    const chip = (status, label, count) => h('button', {
      type: 'button', class: `chip chip-${status || 'all'}`, 'aria-pressed': String(filter === status),
      dataset: { testid: `status-chip-${status || 'all'}` },
      onclick: () => setFilter(status),
    }, label, ' ', h('span', { class: 'chip-count', dataset: { testid: `status-count-${status || 'all'}` } }, String(count)));
    const hadFocus = chips.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    setChildren(chips, chip('', 'All', total), STATUSES.map((s) => chip(s, s.replace('_', ' '), counts[s] || 0)));
    if (hadFocus) chips.querySelector(`[data-testid="${hadFocus}"]`)?.focus();
    bulkFailed.textContent = `Retry all failed (${counts.failed || 0})`;
    bulkDead.textContent = `Retry all dead-letter (${counts.dead_letter || 0})`;
    if (bulkFailed.dataset.busy !== 'true') bulkFailed.disabled = !counts.failed;
    if (bulkDead.dataset.busy !== 'true') bulkDead.disabled = !counts.dead_letter;
  }

  function setFilter(status) {
    if (status === filter) return;
    filter = status;
    const url = status ? `/jobs?status=${status}` : '/jobs';
    history.replaceState({}, '', url);
    renderChips();
    reload();
  }

  function matches(job) {
    return !filter || job.status === filter;
  }

  function progressText(progress) {
    const parts = [`${(progress.percent ?? 0).toFixed(1)}%`];
    if (progress.total_bytes) parts.push(`${formatBytes(progress.downloaded_bytes)} of ${formatBytes(progress.total_bytes)}`);
    if (progress.speed) parts.push(`${formatBytes(progress.speed)}/s`);
    if (progress.eta !== null && progress.eta !== undefined) parts.push(`ETA ${formatDuration(progress.eta)}`);
    return parts.join(' · ');
  }

  function renderProgress(job) {
    const p = job.progress;
    const show = p && (job.status === 'running' || (p.percent > 0 && job.status !== 'completed'));
    if (!show) return [];
    const percent = Math.max(0, Math.min(100, p.percent ?? 0));
    return [
      h('progress', { max: 100, value: percent, 'aria-label': `Progress of job ${job.id}` }),
      h('span', { class: 'small muted', dataset: { testid: `job-progress-text-${job.id}` } }, progressText(p)),
    ];
  }

  function actionButton(job, action, label) {
    const key = `${action}-${job.id}`;
    const button = h('button', {
      type: 'button', class: `btn btn-small${action === 'cancel' ? ' btn-danger-outline' : ''}`,
      dataset: { testid: `job-${action}-${job.id}` },
      'aria-label': `${label} job ${job.id}`,
      onclick: () => runAction(job.id, action),
    }, label);
    if (inFlight.has(key)) setBusy(button, true);
    return button;
  }

  function renderRow(job) {
    const title = job.title || job.video_id || `${job.kind} #${job.id}`;
    return h('li', { class: `job job-${job.status}`, dataset: { testid: `job-row-${job.id}`, jobId: job.id, status: job.status } },
      h('div', { class: 'job-main' },
        h('button', { type: 'button', class: 'link-button job-title', dataset: { testid: `job-open-${job.id}` }, onclick: () => openDetails(job.id), 'aria-haspopup': 'dialog' }, title),
        h('div', { class: 'small muted' },
          `#${job.id} · ${job.kind.replace('_', ' ')} · attempt ${job.attempts}/${job.max_attempts} · updated `, timeEl(job.updated_at),
          job.status === 'retrying' && job.run_after ? [' · next try ', timeEl(job.run_after)] : null),
        job.last_error && h('div', { class: 'small error-text', dataset: { testid: `job-error-${job.id}` } },
          job.error_class ? `${job.error_class}: ` : '', job.last_error)),
      h('div', { class: 'job-status' }, badge(job.status, `job-status-${job.id}`)),
      h('div', { class: 'job-progress', dataset: { testid: `job-progress-${job.id}` } }, renderProgress(job)),
      h('div', { class: 'job-actions' },
        RETRYABLE.has(job.status) && actionButton(job, 'retry', 'Retry'),
        CANCELLABLE.has(job.status) && actionButton(job, 'cancel', 'Cancel')));
  }

  function rowOf(id) {
    return list.querySelector(`[data-job-id="${id}"]`);
  }

  /** Puts a job into the list at its place (newest first), re-rendering it if present. */
  function upsertRow(job) {
    jobs.set(job.id, job);
    const existing = rowOf(job.id);
    const row = renderRow(job);
    if (existing) {
      replaceKeepingFocus(existing, row);
      return;
    }
    list.querySelector('.placeholder')?.remove();
    const after = [...list.children].find((el) => Number(el.dataset.jobId) < job.id);
    list.insertBefore(row, after || null);
  }

  function removeRow(id) {
    jobs.delete(id);
    const row = rowOf(id);
    if (!row) return;
    // A retried job leaves the "failed" filter: keep keyboard focus in the list, on the next row.
    const neighbour = row.contains(document.activeElement) ? (row.nextElementSibling || row.previousElementSibling) : null;
    row.remove();
    neighbour?.querySelector('.job-title')?.focus();
  }

  /** Any fresh Job (from an action or a live event): update counts, list and details. */
  function applyJob(job) {
    const previous = knownStatus.get(job.id);
    if (previous && previous !== job.status) {
      counts[previous] = Math.max(0, (counts[previous] || 0) - 1);
      counts[job.status] = (counts[job.status] || 0) + 1;
      renderChips();
    } else if (!previous) {
      // A job we never saw (new, or on an unloaded page): only the server knows the counts.
      refreshCountsSoon();
    }
    knownStatus.set(job.id, job.status);

    if (matches(job)) {
      const oldest = Math.min(...jobs.keys());
      // Older than the loaded window while more pages exist: it will come with "Load more".
      if (jobs.size && nextBefore !== null && job.id < oldest && !jobs.has(job.id)) return;
      upsertRow(job);
    } else if (jobs.has(job.id)) {
      removeRow(job.id);
    }
    renderSummary();
    if (detailsId === job.id) loadDetails(job.id);
  }

  function applyProgress({ id, progress }) {
    const job = jobs.get(id);
    if (!job) return;
    job.progress = progress;
    const cell = rowOf(id)?.querySelector('.job-progress');
    if (cell) setChildren(cell, renderProgress(job));
  }

  async function runAction(id, action) {
    const key = `${action}-${id}`;
    if (inFlight.has(key)) return; // repeated clicks while in flight are ignored
    inFlight.add(key);
    const button = list.querySelector(`[data-testid="job-${action}-${id}"]`);
    if (button) setBusy(button, true);
    try {
      const job = await post(`/api/jobs/${id}/${action}`);
      inFlight.delete(key); // before applyJob, so the re-rendered row's button is not busy
      if (job && job.id !== undefined) applyJob(job);
      notify(`Job ${id}: ${action === 'retry' ? 'queued again' : 'cancelled'}.`, { kind: 'success' });
    } catch (err) {
      notifyError(err, `Could not ${action} job ${id}`);
    } finally {
      inFlight.delete(key);
      const current = list.querySelector(`[data-testid="job-${action}-${id}"]`);
      if (current && current.dataset.busy) setBusy(current, false);
    }
  }

  function renderSummary() {
    const total = filter ? counts[filter] || 0 : STATUSES.reduce((sum, s) => sum + (counts[s] || 0), 0);
    summary.textContent = `Showing ${jobs.size} of ${total} ${filter ? filter.replace('_', ' ') : ''} job(s), newest first.`;
    loadMore.hidden = nextBefore === null || nextBefore === undefined;
    if (!jobs.size && !list.querySelector('.placeholder')) list.append(placeholder(filter ? `No ${filter.replace('_', ' ')} jobs.` : 'No jobs yet. Add a channel to start downloading.'));
  }

  async function fetchPage(more = false) {
    const signal = controller.signal;
    try {
      const data = await get('/api/jobs', { status: filter, limit: PAGE, before: more ? nextBefore : null }, { signal });
      if (data.counts) counts = { ...counts, ...data.counts };
      nextBefore = data.next_before ?? null;
      if (!more) setChildren(list);
      for (const job of data.jobs || []) {
        knownStatus.set(job.id, job.status);
        jobs.set(job.id, job);
        list.append(renderRow(job));
      }
      renderChips();
      renderSummary();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (!more) setChildren(list, placeholder('Jobs could not be loaded.'));
      notifyError(err, 'Could not load jobs');
    }
  }

  function reload() {
    controller.abort();
    controller = new AbortController();
    jobs.clear();
    nextBefore = null;
    setChildren(list, placeholder('Loading jobs…'));
    return fetchPage(false);
  }

  async function refreshCounts() {
    try {
      const data = await get('/api/jobs', { limit: 1 });
      if (data && data.counts) {
        counts = { ...counts, ...data.counts };
        renderChips();
        renderSummary();
      }
    } catch (err) {
      notifyError(err, 'Could not refresh job counts');
    }
  }
  // Bursts of new jobs (a channel sync enqueues many) cost one request, not one each.
  const refreshCountsSoon = debounce(refreshCounts, 800, 3000);
  const reloadSoon = debounce(() => { if (!filter || filter === 'pending') reload(); }, 500, 2000);

  // ---- details dialog: timeline and log tail ----
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
    const p = job.progress || {};
    const scrollTop = details.querySelector('.log')?.scrollTop;
    setChildren(details,
      h('div', { class: 'dialog-head' },
        h('h2', { id: 'job-details-title' }, job.title || job.video_id || `Job ${job.id}`),
        h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': 'Close details', dataset: { testid: 'job-details-close' }, onclick: () => details.close() }, icon('close'))),
      h('div', { class: 'dialog-scroll' },
        h('dl', { class: 'facts' },
          field('Status', badge(job.status, 'job-details-status')),
          field('Kind', job.kind),
          field('Job id', String(job.id)),
          field('Video', job.video_id),
          field('Attempts', `${job.attempts} of ${job.max_attempts}`),
          field('Priority', String(job.priority ?? 0)),
          field('Created', timeEl(job.created_at)),
          field('Started', timeEl(job.started_at)),
          field('Finished', timeEl(job.finished_at)),
          field('Run after', timeEl(job.run_after)),
          field('Progress', p.percent !== undefined && p.percent !== null ? progressText(p) : '—'),
          field('Last error', job.last_error ? `${job.error_class ? `${job.error_class}: ` : ''}${job.last_error}` : '—')),
        h('div', { class: 'actions' },
          RETRYABLE.has(job.status) && h('button', { type: 'button', class: 'btn', dataset: { testid: 'job-details-retry' }, onclick: (e) => withBusy(e.currentTarget, () => runAction(job.id, 'retry')) }, 'Retry'),
          CANCELLABLE.has(job.status) && h('button', { type: 'button', class: 'btn btn-danger-outline', dataset: { testid: 'job-details-cancel' }, onclick: (e) => withBusy(e.currentTarget, () => runAction(job.id, 'cancel')) }, 'Cancel')),
        h('h3', {}, 'Timeline'),
        (job.events && job.events.length)
          ? h('ol', { class: 'timeline', dataset: { testid: 'job-timeline' } }, job.events.map((ev) => h('li', {},
            h('div', {}, ev.from ? [badge(ev.from), ' → '] : null, badge(ev.to || 'pending'),
              ev.attempt ? h('span', { class: 'small muted' }, ` attempt ${ev.attempt}`) : null,
              ' ', h('span', { class: 'small muted' }, timeEl(ev.at))),
            (ev.message || ev.error_class) && h('div', { class: 'small' }, ev.error_class ? `${ev.error_class}: ` : '', ev.message || ''))))
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
    // A big batch (a channel's first sync) arrives as one event: refetch the page once.
    'jobs.enqueued': () => { reloadSoon(); refreshCountsSoon(); },
    reset: () => { reload(); refreshCounts(); },
  });

  renderChips();
  reload();

  return () => {
    controller.abort();
    refreshCountsSoon.cancel();
    off();
    if (details.open) details.close();
  };
}
