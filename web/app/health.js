// /health — GET /api/health as a readable panel. Refreshes every 5 s, but only while the tab
// is visible: a background tab should not keep the server's readers busy.
import { get } from './api.js';
import { icon } from './icons.js';
import { notifyError } from './notices.js';
import { requestMessage } from './errors.js';
import { updateButton, onUpdate } from './ytdlp.js';
import { h, setChildren, withBusy, formatBytes, formatSpan, timeEl, badge, placeholder } from './ui.js';
import { JOB_STATUSES, statusLabel } from './meta.js';

const REFRESH_MS = 5000;

export function mount(root) {
  const panel = h('div', { class: 'health-grid', dataset: { testid: 'health-panel' } }, placeholder('Loading…'));
  const updated = h('span', { class: 'small muted', dataset: { testid: 'health-updated' } });
  const refreshButton = h('button', { type: 'button', class: 'btn', dataset: { testid: 'health-refresh' }, onclick: (e) => withBusy(e.currentTarget, refresh) }, 'Refresh');
  let timer = null;
  let failing = false;

  root.append(h('section', { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Health'), h('div', { class: 'actions' }, updated, refreshButton)),
    panel));

  const row = (label, value, testid) => [h('dt', {}, label), h('dd', { dataset: { testid } }, value ?? '—')];
  const card = (title, ...rows) => h('section', { class: 'card' }, h('h2', {}, title), h('dl', { class: 'facts' }, rows));
  const yesNo = (v) => (v === true ? 'yes' : v === false ? 'no' : '—');

  const warnings = h('div', { class: 'health-warnings', dataset: { testid: 'health-warnings' } });
  panel.before(warnings);

  function render(data) {
    const db = data.database || {};
    const writer = db.writer || {};
    const jobs = data.jobs || {};
    const counts = jobs.counts || {};
    const hk = data.housekeeping || {};
    const rl = data.rate_limit || {};
    const yt = data.ytdlp || {};
    const last = (yt.update && yt.update.last) || null;
    const paused = rl.paused_until && Date.parse(rl.paused_until) > Date.now();
    const walWarning = db.journal_mode && String(db.journal_mode).toLowerCase() !== 'wal';

    setChildren(warnings, (data.warnings || []).map((text) => h('p', { class: 'banner-inline', role: 'note' }, icon('warning', 18), h('span', {}, text))));
    setChildren(panel,
      card('Service',
        row('Status', badge(data.status || 'unknown', 'health-status')),
        row('Version', data.version, 'health-version'),
        row('Uptime', formatSpan(data.uptime_seconds), 'health-uptime'),
        row('Live clients', data.live ? data.live.clients : null)),
      card('yt-dlp',
        row('Version', [yt.version || 'does not run', yt.path ? h('div', { class: 'small muted' }, yt.path) : null], 'health-ytdlp'),
        row('JavaScript runtime', yt.js_runtime ? `${yt.js_runtime.name} ${yt.js_runtime.version || ''}` : 'none'),
        row('Updates', [yt.update && yt.update.channel ? yt.update.channel : '—', ' ', updateButton(yt, refresh)], 'health-ytdlp-updates'),
        row('Last update', last ? [last.message || last.result, ' · ', timeEl(last.at)] : '—', 'health-ytdlp-last')),
      card('Database',
        db.problem ? row('Problem', h('span', { class: 'error-text' }, db.problem), 'health-db-problem') : null,
        row('Journal mode', h('span', { class: walWarning ? 'error-text' : '' }, db.journal_mode), 'health-journal-mode'),
        row('Synchronous', db.synchronous, 'health-synchronous'),
        row('Busy timeout', db.busy_timeout_ms !== undefined ? `${db.busy_timeout_ms} ms` : null, 'health-busy-timeout'),
        row('WAL size', formatBytes(db.wal_size_bytes), 'health-wal-size'),
        row('Schema version', db.schema_version, 'health-schema'),
        row('Foreign keys', yesNo(db.foreign_keys)),
        row('Readers', db.reader_count),
        row('Path', db.path ? h('code', {}, db.path) : null)),
      card('Writer',
        row('Queue depth', writer.queue_depth, 'health-writer-queue'),
        row('Busy waits', writer.busy_waits, 'health-writer-busy-waits'),
        row('Wait p99', writer.wait_p99_ms !== undefined ? `${Math.round(writer.wait_p99_ms * 10) / 10} ms` : null, 'health-writer-p99'),
        row('Transactions', writer.transactions, 'health-writer-transactions')),
      card('Jobs',
        row('Workers', jobs.workers_busy !== undefined ? `${jobs.workers_busy} busy of ${jobs.workers}` : jobs.workers, 'health-workers'),
        JOB_STATUSES.map((s) => row(statusLabel(s), h('a', { href: `/jobs?status=${s}` }, String(counts[s] ?? 0)), `health-count-${s}`))),
      card('Housekeeping & downloads brake',
        row('Last run', timeEl(hk.last_run_at), 'health-housekeeping'),
        row('Jobs pruned', hk.last_pruned_jobs ?? '—'),
        row('Brake', paused
          ? h('span', { class: 'error-text' }, 'downloads paused until ', timeEl(rl.paused_until, { absolute: true }))
          : rl.probing ? 'a test download checks the site' : 'not paused', 'health-rate-limit'),
        row('Trips', rl.trips ?? 0),
        row('Cooldown', rl.cooldown_seconds ? formatSpan(rl.cooldown_seconds) : '—')),
      backupsCard(data.backups || {}),
      notificationsCard(data.notifications || {}));
  }

  // A backup of a small library takes a few ms, a large one seconds.
  const formatSeconds = (s) => (s < 1 ? `${Math.round(s * 1000)} ms` : `${Math.round(s * 10) / 10} s`);

  // When and why something went wrong, in red: a backup's or a notifier's last failure.
  const failure = (problem, testid) => h('div', { class: 'error-text', dataset: { testid } }, problem.message, ' · ', timeEl(problem.at));

  function backupsCard(b) {
    const last = b.last;
    return card('Backups',
      row('Schedule', b.enabled ? `every ${formatSpan(b.interval_hours * 3600)}, ${b.keep} kept` : 'off (BACKUP_INTERVAL_HOURS=0)', 'health-backup-schedule'),
      row('Last backup', last
        ? [timeEl(last.at), ' · ', formatBytes(last.size_bytes),
          last.duration_seconds != null ? ` in ${formatSeconds(last.duration_seconds)}` : '']
        : 'none yet', 'health-backup-last'),
      b.enabled ? row('Next', timeEl(b.next_due_at), 'health-backup-next') : null,
      row('Kept', b.files ?? 0, 'health-backup-files'),
      b.last_failure ? row('Last failure', failure(b.last_failure, 'health-backup-failure')) : null,
      row('Folder', b.directory ? h('code', {}, b.directory) : null));
  }

  function notificationsCard(n) {
    const kinds = n.kinds || [];
    return card('Notifications',
      row('Tells about', kinds.length ? kinds.map((k) => k.replace(/_/g, ' ')).join(', ') : 'nothing: no notifier is set (APPRISE_URLS, WEBHOOK_URL)', 'health-notify-kinds'),
      (n.notifiers || []).map((notifier) => row(notifier.name, [
        h('code', {}, notifier.target),
        h('div', { class: 'small muted' }, `${notifier.sent} sent, ${notifier.failed} failed`,
          notifier.dropped ? `, ${notifier.dropped} dropped` : '', notifier.queued ? `, ${notifier.queued} waiting` : '',
          notifier.last_sent_at ? [' · last sent ', timeEl(notifier.last_sent_at)] : ''),
        notifier.last_error ? failure(notifier.last_error, `health-notifier-${notifier.name}-error`) : null,
      ], `health-notifier-${notifier.name}`)));
  }

  async function refresh() {
    try {
      const data = await get('/api/health');
      render(data);
      failing = false;
      setChildren(updated, 'Updated ', new Date().toLocaleTimeString());
    } catch (err) {
      // Report an outage once, not every 5 s, and keep the last data on screen.
      if (!failing) notifyError(err, 'Health check failed');
      failing = true;
      setChildren(updated, h('span', { class: 'error-text' }, requestMessage(err)));
      if (!panel.querySelector('.card')) setChildren(panel, placeholder('The health report could not be loaded.'));
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (document.visibilityState === 'visible') timer = setInterval(refresh, REFRESH_MS);
  }
  function onVisibility() {
    if (document.visibilityState === 'visible') refresh();
    schedule();
  }
  document.addEventListener('visibilitychange', onVisibility);
  // The outcome of a yt-dlp update (started here or by the daily check) arrives live.
  const off = onUpdate(refresh);
  refresh();
  schedule();

  return () => {
    off();
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
