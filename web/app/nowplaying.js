// /player — what is playing and the queue; /likes_player/N — the same page for the Likes,
// which deep-links into the Likes queue at position N (the URL follows the current position,
// so a reload or a shared link resumes there).
//
// The transport is the player bar's (one set of controls); this page adds the big artwork (or
// the video), the queue panel (jump, play next, reorder, remove, clear) and the shortcuts.
import { pager } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notifyError } from './notices.js';
import * as player from './player.js';
import { artwork } from './tracks.js';
import { h, setChildren, placeholder, formatDuration } from './ui.js';

export const LIKES = { kind: 'likes', label: 'Likes', href: '/likes_player/0' };

export function mount(root, params, { route }) {
  const likesRoute = route === 'likes';
  const wanted = Math.max(0, Number.parseInt(params[0] || '0', 10) || 0);
  let destroyed = false;

  const stage = h('div', { class: 'stage', dataset: { testid: 'player-stage' } });
  const nowTitle = h('h2', { class: 'now-title', dataset: { testid: 'nowplaying-title' } });
  const nowMeta = h('p', { class: 'muted', dataset: { testid: 'nowplaying-meta' } });
  const position = h('p', { class: 'muted small', dataset: { testid: 'player-position' } });
  const sourceLine = h('p', { class: 'small muted queue-source', dataset: { testid: 'queue-source' } });
  const list = h('ol', { class: 'queue', dataset: { testid: 'player-queue' } });
  const clear = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'queue-clear' }, onclick: () => player.clearUpcoming() }, 'Clear upcoming');
  const offer = h('div', { class: 'card offer', hidden: true, dataset: { testid: 'likes-offer' } });
  const body = h('div', { class: 'player-layout' });

  root.append(h('section', { class: 'page page-player' },
    h('header', { class: 'page-head' }, h('h1', {}, likesRoute ? 'Likes' : 'Now playing'), position),
    offer, body));

  const shortcuts = h('details', { class: 'shortcuts' }, h('summary', {}, 'Keyboard shortcuts'),
    h('dl', {},
      [['Space', 'play / pause'], ['← / →', 'seek 5 s (on this page)'], ['↑ / ↓', 'volume (on this page)'],
        ['Shift+← / Shift+→, P / N', 'previous / next'], ['L / D', 'like / dislike'], ['M', 'mute'],
        ['Delete', 'delete the track (on this page)'], ['Z', 'undo the delete']]
        .map(([k, v]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, v)])));

  function layout() {
    setChildren(body,
      h('div', { class: 'card now-card' }, stage, h('div', { class: 'now' }, nowTitle, nowMeta), shortcuts),
      h('section', { class: 'card queue-card', 'aria-labelledby': 'queue-heading' },
        h('div', { class: 'queue-head' }, h('h2', { id: 'queue-heading' }, 'Queue'), clear),
        sourceLine, list));
  }

  function renderEmpty() {
    setChildren(body, h('div', { class: 'card empty', dataset: { testid: 'player-empty' } },
      likesRoute ? [h('p', {}, 'No liked tracks yet.'), h('p', {}, 'Like tracks in the ', h('a', { href: '/library' }, 'library'), ' and they appear here.')]
        : [h('p', {}, 'Nothing is playing.'), h('p', {}, 'Play something from the ', h('a', { href: '/library' }, 'library'), ' or your ', h('a', { href: '/likes_player/0' }, 'likes'), '.')]));
    position.textContent = '';
  }

  let giveBackStage = null;
  function renderNow() {
    const { track, queue, index, source } = player.state();
    if (!track) { renderEmpty(); return; }
    if (!body.querySelector('.queue')) layout();
    if (!giveBackStage) giveBackStage = player.lendStage(stage);
    if (!stage.querySelector('video')) setChildren(stage, artwork(track, 240));
    setChildren(nowTitle, track.title);
    nowMeta.textContent = [track.source_title || track.uploader, formatDuration(track.duration)].filter(Boolean).join(' · ');
    position.textContent = `Track ${index + 1} of ${queue.length}`;
    setChildren(sourceLine, 'Playing from ', source && source.href
      ? h('a', { href: source.href }, source.label || 'the library') : (source && source.label) || 'your queue');
    if (likesRoute && source && source.kind === 'likes') {
      const path = `/likes_player/${index}`;
      if (location.pathname !== path) history.replaceState({}, '', path);
    }
  }

  function renderQueue() {
    const { queue, index } = player.state();
    const hadFocus = list.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    const action = (testid, label, glyph, onclick, disabled = false) => h('button', {
      type: 'button', class: 'btn btn-icon btn-quiet', 'aria-label': label, title: label, dataset: { testid }, onclick, disabled,
    }, icon(glyph, 18));
    setChildren(list, queue.map((track, i) => h('li', {
      class: `queue-row${i === index ? ' is-current' : ''}`, draggable: 'true', dataset: { index: i },
    },
    h('button', {
      type: 'button', class: 'queue-item', 'aria-current': i === index ? 'true' : null,
      dataset: { testid: `player-queue-item-${track.id}` },
      onclick: () => player.jump(i),
    },
    h('span', { class: 'queue-num' }, String(i + 1)),
    h('span', { class: 'queue-title' }, track.title),
    h('span', { class: 'small muted' }, formatDuration(track.duration))),
    h('span', { class: 'queue-actions' },
      action(`queue-next-${track.id}`, `Play “${track.title}” next`, 'playNext', () => player.playNext(track), i === index || i === index + 1),
      action(`queue-up-${track.id}`, `Move “${track.title}” up`, 'up', () => player.move(i, i - 1), i === 0),
      action(`queue-down-${track.id}`, `Move “${track.title}” down`, 'down', () => player.move(i, i + 1), i === queue.length - 1),
      action(`queue-remove-${track.id}`, `Remove “${track.title}” from the queue`, 'close', () => player.removeAt(i))))));
    clear.disabled = index >= queue.length - 1;
    if (hadFocus) {
      const target = list.querySelector(`[data-testid="${CSS.escape(hadFocus)}"]`);
      (target && !target.disabled ? target : list.querySelector(`[data-testid^="player-queue-item-"]`))?.focus({ preventScroll: true });
    }
    // Scroll only the queue box (scrollIntoView would also scroll the page away from the player).
    const item = list.querySelector('[aria-current="true"]');
    if (item) {
      const row = item.parentElement;
      if (row.offsetTop < list.scrollTop || row.offsetTop + row.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = row.offsetTop - list.clientHeight / 2 + row.offsetHeight / 2;
      }
    }
  }

  // Drag and drop reorders with a mouse; the arrow buttons do the same for everyone.
  let dragFrom = null;
  list.addEventListener('dragstart', (e) => {
    const row = e.target.closest('.queue-row');
    dragFrom = row ? Number(row.dataset.index) : null;
    if (row) e.dataTransfer.effectAllowed = 'move';
  });
  list.addEventListener('dragover', (e) => { if (dragFrom !== null) e.preventDefault(); });
  list.addEventListener('drop', (e) => {
    const row = e.target.closest('.queue-row');
    if (dragFrom === null || !row) return;
    e.preventDefault();
    player.move(dragFrom, Number(row.dataset.index));
    dragFrom = null;
  });

  function render() {
    if (destroyed) return;
    if (!player.state().track) { renderEmpty(); return; }
    renderNow();
    renderQueue();
  }

  const off = player.subscribe((what) => {
    if (what === 'track' || what === 'queue') render();
  });

  // ---- the Likes deep link ----
  async function loadLikes(start, { autoplay = true } = {}) {
    setChildren(body, placeholder('Loading your likes…'));
    try {
      // The Likes a page at a time: enough for the deep-linked position first, the rest as
      // the queue runs low (the player asks `more`).
      const likes = pager('/api/playlists/likes', 'tracks', {}, { limit: Math.min(500, Math.max(100, start + 1)) });
      const tracks = await likes.next();
      while (tracks.length <= start && !likes.done) tracks.push(...await likes.next());
      if (destroyed) return;
      if (!tracks.length) { renderEmpty(); history.replaceState({}, '', '/likes_player/0'); return; }
      offer.hidden = true;
      const source = { ...LIKES, more: likes.done ? null : () => likes.next() };
      player.playList(tracks, Math.min(start, tracks.length - 1), source, { autoplay });
      render();
      loadFailed = false;
    } catch (err) {
      if (destroyed) return;
      loadFailed = true;
      setChildren(body, placeholder('Your likes could not be loaded. This page retries when Spool is reachable again.'));
      notifyError(err, 'Could not load your likes');
    }
  }

  let loadFailed = false;
  const offLive = live.on('open', () => { if (loadFailed) loadLikes(wanted); });

  const now = player.state();
  if (!likesRoute) {
    render();
  } else if (now.source && now.source.kind === 'likes' && now.track) {
    // The Likes are already the queue: a link to another position jumps there.
    if (wanted !== now.index && wanted < now.queue.length) player.jump(wanted);
    render();
  } else if (now.track && now.playing) {
    // Something else is playing: opening the Likes never interrupts it unasked.
    setChildren(offer,
      h('p', {}, 'Playing from ', h('strong', {}, (now.source && now.source.label) || 'your queue'), '.'),
      h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'likes-play' }, onclick: () => loadLikes(wanted) }, icon('play', 18), 'Play your likes'));
    offer.hidden = false;
    render();
  } else {
    loadLikes(wanted);
  }

  return () => {
    destroyed = true;
    off();
    offLive();
    giveBackStage?.();
  };
}
