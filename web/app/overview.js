// / — a landing overview: what is downloading, a way into the music, and recent plays.
import { isAdmin } from './session.js';
import { get } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notifyError } from './notices.js';
import * as player from './player.js';
import { h, setChildren, timeEl, placeholder, formatDuration, debounce } from './ui.js';
import { artwork } from './tracks.js';

const number = new Intl.NumberFormat();

export function mount(root) {
  const stats = h('div', { class: 'stat-grid', dataset: { testid: 'overview-stats' } }, placeholder('Loading…'));
  const plays = h('ul', { class: 'track-list compact', dataset: { testid: 'overview-history' } });
  let failed = false;
  let recent = [];

  root.append(h('section', { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Overview'),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '/likes_player/0', dataset: { testid: 'overview-play-likes' } }, icon('heart', 18), 'Play likes'),
        h('a', { class: 'btn', href: '/sources' }, 'Add a source'))),
    stats,
    h('section', { class: 'card' },
      h('div', { class: 'section-head' }, h('h2', {}, 'Recently played'),
        h('a', { class: 'small', href: '/library?view=history', dataset: { testid: 'overview-history-all' } }, 'All history')),
      plays)));

  const tile = (label, value, href, testid) => h('a', { class: 'card tile', href, dataset: { testid } },
    h('span', { class: 'tile-value' }, number.format(value ?? 0)), h('span', { class: 'tile-label' }, label));

  async function loadStats() {
    if (!isAdmin()) {
      // A listener's overview is their listening: the queue and the sources are the admins'.
      setChildren(stats);
      return;
    }
    try {
      // Totals the server keeps: one small page of each list says how long it is.
      const [health, sources, library] = await Promise.all([
        get('/api/health'), get('/api/sources', { limit: 1 }), get('/api/tracks', { limit: 1 })]);
      const counts = (health.jobs && health.jobs.counts) || {};
      const problems = (counts.failed || 0) + (counts.dead_letter || 0) + (counts.zombie || 0) + (counts.timeout || 0);
      setChildren(stats,
        tile('sources', sources.total, '/sources', 'overview-sources'),
        tile('tracks in the library', library.total, '/library', 'overview-tracks'),
        tile('downloading now', counts.running, '/jobs', 'overview-running'),
        tile('waiting', (counts.pending || 0) + (counts.retrying || 0), '/jobs', 'overview-pending'),
        tile('need attention', problems, '/jobs', 'overview-problems'));
      failed = false;
    } catch (err) {
      failed = true;
      setChildren(stats, placeholder('Statistics could not be loaded. They load by themselves when Spool is reachable again.'));
      notifyError(err, 'Could not load the overview');
    }
  }

  async function loadHistory() {
    try {
      const data = await get('/api/history', { limit: 10 });
      const seen = new Set();
      const items = ((data && data.plays) || []).filter(({ track }) => track && !track.deleted_at && !seen.has(track.id) && seen.add(track.id));
      recent = items.map(({ track }) => track);
      if (!items.length) { setChildren(plays, placeholder('Nothing played yet.')); return; }
      setChildren(plays, items.map(({ track, played_at: playedAt }, i) => h('li', { class: 'track' },
        h('button', {
          type: 'button', class: 'play-art', 'aria-label': `Play “${track.title}”`, dataset: { testid: `history-play-${track.id}` },
          onclick: () => player.playList(recent, i, { kind: 'history', label: 'History', href: '/library?view=history' }),
        }, artwork(track, 40), h('span', { class: 'play-icon' }, icon('play'))),
        h('div', { class: 'track-main' }, h('div', { class: 'track-title' }, track.title),
          h('div', { class: 'small muted' }, [track.source_title, formatDuration(track.duration)].filter(Boolean).join(' · '), ' · ', timeEl(playedAt))))));
    } catch (err) {
      failed = true;
      setChildren(plays, placeholder('History could not be loaded.'));
      notifyError(err, 'Could not load the play history');
    }
  }

  // Job changes move the numbers; one refetch per burst is plenty for an overview.
  const refreshSoon = debounce(loadStats, 2000, 10000);
  const off = live.onMany({
    'job.status': refreshSoon,
    'source.updated': refreshSoon,
    reset: () => { loadStats(); loadHistory(); },
    open: () => { if (failed) { loadStats(); loadHistory(); } },
  });
  loadStats();
  loadHistory();
  return () => { off(); refreshSoon.cancel(); };
}
