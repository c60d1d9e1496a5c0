// /likes_player/N — plays the liked tracks (GET /api/playlists/likes) starting at position N.
// The URL always names the current position, so a reload or a shared link resumes there.
import { get } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { bindMedia, record } from './telemetry.js';
import { rate, toggledRating, deleteWithUndo, undoLastDelete, artwork } from './tracks.js';
import { h, setChildren, withBusy, placeholder, formatDuration } from './ui.js';

const SEEK_STEP = 5;
const VOLUME_STEP = 0.1;
const RESTART_AFTER = 3; // "previous" restarts the track when more than this many seconds in

const prefs = {
  read(key, fallback) {
    try { const v = localStorage.getItem(`spool.player.${key}`); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
  },
  write(key, value) {
    try { localStorage.setItem(`spool.player.${key}`, JSON.stringify(value)); } catch { /* not remembered */ }
  },
};

export function mount(root, params) {
  let list = [];
  let index = Math.max(0, Number.parseInt(params[0] || '0', 10) || 0);
  let shuffle = Boolean(prefs.read('shuffle', false));
  let repeat = ['off', 'all', 'one'].includes(prefs.read('repeat', 'off')) ? prefs.read('repeat', 'off') : 'off';
  let volume = Math.min(1, Math.max(0, Number(prefs.read('volume', 1))));
  let media = null;
  let binding = null;
  let shuffleHistory = []; // track ids played in this shuffle cycle, for "previous" and no repeats
  let destroyed = false;

  const current = () => list[index] || null;

  // ---- static layout; parts are re-rendered as the track changes ----
  const stage = h('div', { class: 'stage', dataset: { testid: 'player-stage' } });
  const nowTitle = h('h2', { class: 'now-title', dataset: { testid: 'player-title' } });
  const nowMeta = h('p', { class: 'muted', dataset: { testid: 'player-meta' } });
  const mediaSlot = h('div', { class: 'media-slot' });
  const btn = (testid, label, icon, onclick, extra = {}) => h('button', {
    type: 'button', class: `btn btn-icon ${extra.class || ''}`, 'aria-label': label, title: label, dataset: { testid }, onclick, ...extra.attrs,
  }, icon);

  const playButton = btn('player-play', 'Play', icon('play', 28), () => togglePlay(), { class: 'btn-play' });
  const prevButton = btn('player-prev', 'Previous (Shift+← or P)', icon('prev'), () => previous());
  const nextButton = btn('player-next', 'Next (Shift+→ or N)', icon('next'), () => next({ user: true }));
  const shuffleButton = btn('player-shuffle', 'Shuffle', icon('shuffle'), () => setShuffle(!shuffle), { attrs: { 'aria-pressed': String(shuffle) } });
  const repeatButton = btn('player-repeat', 'Repeat', icon('repeat'), () => cycleRepeat());
  const likeButton = btn('player-like', 'Like (L)', icon('heart'), (e) => rateCurrent(1, e.currentTarget), { class: 'rate rate-like' });
  const dislikeButton = btn('player-dislike', 'Dislike (D)', icon('dislike'), (e) => rateCurrent(-1, e.currentTarget), { class: 'rate rate-dislike' });
  const deleteButton = btn('player-delete', 'Delete this track (Delete key)', icon('trash'), (e) => withBusy(e.currentTarget, deleteCurrent), { class: 'btn-danger-outline' });
  const queue = h('ol', { class: 'queue', dataset: { testid: 'player-queue' } });
  const body = h('div', { class: 'player-layout' });

  root.append(h('section', { class: 'page page-player' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Likes'), h('p', { class: 'muted small', dataset: { testid: 'player-position' } })),
    body));
  const positionLabel = root.querySelector('[data-testid="player-position"]');

  function layout() {
    setChildren(body,
      h('div', { class: 'card player' },
        stage,
        h('div', { class: 'now' }, nowTitle, nowMeta),
        mediaSlot,
        h('div', { class: 'transport', role: 'group', 'aria-label': 'Playback' }, shuffleButton, prevButton, playButton, nextButton, repeatButton),
        h('div', { class: 'transport secondary', role: 'group', 'aria-label': 'This track' }, likeButton, dislikeButton, deleteButton),
        h('details', { class: 'shortcuts' }, h('summary', {}, 'Keyboard shortcuts'),
          h('dl', {},
            [['Space', 'play / pause'], ['← / →', 'seek 5 s'], ['↑ / ↓', 'volume'], ['Shift+← / Shift+→, P / N', 'previous / next'],
              ['L / D', 'like / dislike'], ['Delete', 'delete the track'], ['Z', 'undo the delete']].map(([k, v]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, v)])))),
      h('aside', { class: 'card queue-card', 'aria-labelledby': 'queue-heading' }, h('h2', { id: 'queue-heading' }, 'Queue'), queue));
  }

  function renderEmpty() {
    stopMedia();
    positionLabel.textContent = '';
    setChildren(body, h('div', { class: 'card empty', dataset: { testid: 'player-empty' } },
      h('p', {}, 'No liked tracks yet.'),
      h('p', {}, 'Like tracks in the ', h('a', { href: '/library' }, 'library'), ' and they appear here.')));
    history.replaceState({}, '', '/likes_player/0');
  }

  // ---- media element (audio, or video for video/* tracks) ----
  function ensureMedia(track) {
    const kind = (track.mime_type || '').startsWith('video/') ? 'video' : 'audio';
    if (media && media.tagName.toLowerCase() === kind) return;
    if (media) {
      binding.detach();
      media.pause();
      media.remove();
    }
    media = h(kind, {
      controls: true, preload: 'auto', playsinline: true, class: `player-media player-${kind}`,
      dataset: { testid: kind === 'video' ? 'player-video' : 'player-audio' },
      'aria-label': 'Player',
    });
    media.volume = volume;
    // Telemetry listens first, so its `ended` is recorded for the track that ended, before
    // our own `ended` handler below moves on to the next one.
    binding = bindMedia(media, current);
    media.addEventListener('play', renderPlayState);
    media.addEventListener('pause', () => {
      renderPlayState();
      const track = current();
      if (track) track.last_position = media.currentTime; // so going back resumes here
    });
    media.addEventListener('ended', () => next({ user: false }));
    media.addEventListener('volumechange', () => { volume = media.volume; prefs.write('volume', volume); });
    media.addEventListener('loadedmetadata', updatePositionState);
    media.addEventListener('seeked', updatePositionState);
    media.addEventListener('error', () => {
      const track = current();
      if (!media.error || !track) return;
      notify(`“${track.title}” could not be played (media error ${media.error.code}). Press N for the next track.`, { kind: 'error' });
    });
    if (kind === 'video') {
      setChildren(stage, media);
      setChildren(mediaSlot);
    } else {
      setChildren(mediaSlot, media);
    }
  }

  function stopMedia() {
    if (!media) return;
    media.pause();
    media.removeAttribute('src');
    media.load();
  }

  /** Loads list[i]; resumes at last_position unless the track was (nearly) finished. */
  function load(i, { autoplay = true } = {}) {
    if (!list.length) { renderEmpty(); return; }
    index = Math.min(Math.max(0, i), list.length - 1);
    const track = current();
    ensureMedia(track);
    media.src = track.media_url;
    const resumeAt = Number(track.last_position) || 0;
    const duration = Number(track.duration) || Infinity;
    const resume = resumeAt > 1 && resumeAt < duration - 5;
    if (shuffle && !shuffleHistory.includes(track.id)) shuffleHistory.push(track.id);
    history.replaceState({}, '', `/likes_player/${index}`);
    document.title = `${track.title} · Spool`;
    renderNowPlaying();
    renderQueue();
    setMediaSession(track);
    const start = () => {
      if (!autoplay || current() !== track) return;
      media.play().catch((err) => {
        // Autoplay without a click is blocked on a fresh page load: that is expected, not an error.
        if (err.name === 'NotAllowedError') notify('Press play (or Space) to start.', { timeout: 4000 });
        else if (err.name !== 'AbortError') notifyError(err, 'Playback did not start');
      });
    };
    if (resume) {
      // Jump to the resume point first, so playback (and its `play` event) starts there.
      media.addEventListener('loadedmetadata', () => {
        if (current() === track) binding.silentSeek(resumeAt);
        start();
      }, { once: true });
    } else {
      start();
    }
  }

  function renderNowPlaying() {
    const track = current();
    if (!track) return;
    if (media.tagName !== 'VIDEO') setChildren(stage, artwork(track, 240));
    setChildren(nowTitle, track.title);
    nowMeta.textContent = [track.channel_title || track.uploader, formatDuration(track.duration)].filter(Boolean).join(' · ');
    positionLabel.textContent = `Track ${index + 1} of ${list.length}`;
    likeButton.setAttribute('aria-pressed', String(track.rating === 1));
    dislikeButton.setAttribute('aria-pressed', String(track.rating === -1));
    shuffleButton.setAttribute('aria-pressed', String(shuffle));
    repeatButton.setAttribute('aria-pressed', String(repeat !== 'off'));
    repeatButton.dataset.mode = repeat;
    repeatButton.setAttribute('aria-label', `Repeat: ${repeat}`);
    repeatButton.title = `Repeat: ${repeat}`;
    setChildren(repeatButton, icon('repeat'), repeat === 'one' ? h('span', { class: 'icon-badge' }, '1') : null);
    renderPlayState();
  }

  function renderPlayState() {
    const playingNow = media && !media.paused;
    setChildren(playButton, icon(playingNow ? 'pause' : 'play', 28));
    playButton.setAttribute('aria-label', playingNow ? 'Pause (Space)' : 'Play (Space)');
    playButton.title = playingNow ? 'Pause' : 'Play';
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = playingNow ? 'playing' : 'paused';
  }

  function renderQueue() {
    setChildren(queue, list.map((track, i) => h('li', {},
      h('button', {
        type: 'button', class: 'queue-item', 'aria-current': i === index ? 'true' : null,
        dataset: { testid: `player-queue-item-${track.id}` },
        onclick: () => { recordSkip(); load(i); },
      },
      h('span', { class: 'queue-num' }, String(i + 1)),
      h('span', { class: 'queue-title' }, track.title),
      h('span', { class: 'small muted' }, formatDuration(track.duration))))));
    // Scroll only the queue box (scrollIntoView would also scroll the page away from the player).
    const item = queue.querySelector('[aria-current="true"]');
    if (item) {
      const top = item.offsetTop;
      if (top < queue.scrollTop || top + item.offsetHeight > queue.scrollTop + queue.clientHeight) {
        queue.scrollTop = top - queue.clientHeight / 2 + item.offsetHeight / 2;
      }
    }
  }

  // ---- transport ----
  function togglePlay() {
    if (!media || !current()) return;
    if (media.paused) {
      media.play().catch((err) => {
        // A newer load (next/previous pressed quickly) interrupts this play(): not a failure.
        if (err.name !== 'AbortError') notifyError(err, 'Playback did not start');
      });
    }
    else media.pause();
  }

  function seekBy(seconds) {
    if (!media || !Number.isFinite(media.duration)) return;
    media.currentTime = Math.min(Math.max(0, media.currentTime + seconds), media.duration);
  }

  function changeVolume(delta) {
    if (!media) return;
    media.muted = false;
    media.volume = Math.round(Math.min(1, Math.max(0, media.volume + delta)) * 100) / 100;
    notify(`Volume ${Math.round(media.volume * 100)}%`, { timeout: 1200 });
  }

  /** A user jump away from a track that did not end counts as a skip. */
  function recordSkip() {
    if (media && current() && !media.ended && media.currentTime > 0) {
      record('skip', current().id, { position: media.currentTime });
    }
  }

  function pickShuffled() {
    const unplayed = list.map((_, i) => i).filter((i) => !shuffleHistory.includes(list[i].id));
    if (!unplayed.length) return null;
    return unplayed[Math.floor(Math.random() * unplayed.length)];
  }

  function next({ user }) {
    if (!list.length) return;
    if (!user && repeat === 'one') { media.currentTime = 0; media.play().catch(() => {}); return; }
    if (user) recordSkip();
    let target;
    if (shuffle) {
      target = pickShuffled();
      if (target === null) {
        if (repeat === 'all' || user) { shuffleHistory = [current().id]; target = pickShuffled(); }
        if (target === null) target = index;
      }
    } else {
      target = index + 1;
      if (target >= list.length) {
        if (repeat === 'all' || user) target = 0; // a deliberate "next" at the end wraps around
        else { notify('End of your likes.'); return; }
      }
    }
    load(target);
  }

  function previous() {
    if (!list.length) return;
    if (media && media.currentTime > RESTART_AFTER) { media.currentTime = 0; return; }
    recordSkip();
    if (shuffle && shuffleHistory.length > 1) {
      shuffleHistory.pop();
      const id = shuffleHistory[shuffleHistory.length - 1];
      const i = list.findIndex((t) => t.id === id);
      if (i >= 0) { load(i); return; }
    }
    load(index - 1 < 0 ? list.length - 1 : index - 1);
  }

  function setShuffle(on) {
    shuffle = on;
    prefs.write('shuffle', on);
    shuffleHistory = on && current() ? [current().id] : [];
    renderNowPlaying();
    notify(on ? 'Shuffle on.' : 'Shuffle off.', { timeout: 1500 });
  }

  function cycleRepeat() {
    repeat = { off: 'all', all: 'one', one: 'off' }[repeat];
    prefs.write('repeat', repeat);
    renderNowPlaying();
    notify(`Repeat: ${repeat}.`, { timeout: 1500 });
  }

  // ---- rating and delete ----
  async function rateCurrent(value, button = value > 0 ? likeButton : dislikeButton) {
    const track = current();
    if (!track) return;
    await withBusy(button, async () => {
      const updated = await rate(track, toggledRating(track, value));
      if (!updated) return;
      const i = list.findIndex((t) => t.id === updated.id);
      // Keep our local resume position; the server copy may lag behind the last events.
      if (i >= 0) list[i] = { ...updated, last_position: list[i].last_position };
      renderNowPlaying();
      const label = updated.rating === 1 ? 'Liked' : updated.rating === -1 ? 'Disliked (it leaves this list next time)' : 'Rating cleared';
      notify(`${label}: “${updated.title}”.`, { timeout: 2500 });
    });
  }

  async function deleteCurrent() {
    const track = current();
    if (!track) return;
    const at = index;
    const deleted = await deleteWithUndo(track, { onRestored: (restored) => reinsert(restored, at) });
    if (!deleted) return;
    const i = list.findIndex((t) => t.id === track.id);
    if (i < 0) return; // already removed by the live event
    list.splice(i, 1);
    if (!list.length) { renderEmpty(); return; }
    if (i === index) load(i >= list.length ? 0 : i); // the next one plays
    else { if (i < index) index -= 1; renderNowPlaying(); renderQueue(); history.replaceState({}, '', `/likes_player/${index}`); }
  }

  /** Undo: the track comes back at the position it had, without interrupting playback. */
  function reinsert(track, at) {
    if (destroyed) return;
    const playingId = current() ? current().id : null;
    list = list.filter((t) => t.id !== track.id); // a live event may have added it already
    list.splice(Math.min(at, list.length), 0, track);
    if (playingId === null) { layout(); load(0, { autoplay: false }); return; }
    index = list.findIndex((t) => t.id === playingId);
    history.replaceState({}, '', `/likes_player/${index}`);
    renderNowPlaying();
    renderQueue();
  }

  // ---- keyboard ----
  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
    if (document.querySelector('dialog[open]') || !list.length) return;
    const onMedia = target === media; // the native controls handle space and arrows themselves
    switch (event.key) {
      case ' ':
        if (onMedia || target.closest('button, a, summary')) return; // let focused controls activate
        togglePlay();
        break;
      case 'ArrowLeft':
        if (event.shiftKey) previous(); else if (!onMedia) seekBy(-SEEK_STEP); else return;
        break;
      case 'ArrowRight':
        if (event.shiftKey) next({ user: true }); else if (!onMedia) seekBy(SEEK_STEP); else return;
        break;
      case 'ArrowUp': if (onMedia) return; changeVolume(VOLUME_STEP); break;
      case 'ArrowDown': if (onMedia) return; changeVolume(-VOLUME_STEP); break;
      case 'n': case 'N': next({ user: true }); break;
      case 'p': case 'P': previous(); break;
      case 'l': case 'L': rateCurrent(1); break;
      case 'd': case 'D': rateCurrent(-1); break;
      case 'Delete': withBusy(deleteButton, deleteCurrent); break;
      case 'z': case 'Z': if (!undoLastDelete()) return; break;
      default: return;
    }
    event.preventDefault();
  }
  document.addEventListener('keydown', onKey);

  // ---- Media Session: lock screen, headset and OS media keys ----
  const sessionActions = {
    play: () => media && media.play().catch(() => {}),
    pause: () => media && media.pause(),
    previoustrack: () => previous(),
    nexttrack: () => next({ user: true }),
    seekbackward: (d) => seekBy(-(d.seekOffset || SEEK_STEP)),
    seekforward: (d) => seekBy(d.seekOffset || SEEK_STEP),
    seekto: (d) => {
      if (!media) return;
      if (d.fastSeek && 'fastSeek' in media) media.fastSeek(d.seekTime); else media.currentTime = d.seekTime;
    },
  };

  function setMediaSession(track) {
    if (!('mediaSession' in navigator)) return;
    try {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: track.title,
        artist: track.channel_title || track.uploader || '',
        album: 'Spool · Likes',
        artwork: track.has_thumbnail && track.thumbnail_url ? [{ src: new URL(track.thumbnail_url, location.href).href }] : [],
      });
      for (const [action, fn] of Object.entries(sessionActions)) {
        try { navigator.mediaSession.setActionHandler(action, fn); } catch { /* action unsupported here */ }
      }
    } catch (err) {
      console.warn('Media Session unavailable', err);
    }
  }

  function updatePositionState() {
    if (!('mediaSession' in navigator) || !media || !Number.isFinite(media.duration)) return;
    try {
      navigator.mediaSession.setPositionState({ duration: media.duration, playbackRate: media.playbackRate, position: Math.min(media.currentTime, media.duration) });
    } catch { /* some browsers reject a position briefly past the end */ }
  }

  // ---- live updates from other tabs and the server ----
  const off = live.onMany({
    'track.updated': (track) => {
      const i = list.findIndex((t) => t.id === track.id);
      if (i >= 0) { list[i] = { ...track, last_position: list[i].last_position }; if (i === index) renderNowPlaying(); }
      else if (track.rating === 1 && !track.deleted_at && list.length) { list.push(track); renderQueue(); positionLabel.textContent = `Track ${index + 1} of ${list.length}`; }
    },
    'track.deleted': (track) => {
      const i = list.findIndex((t) => t.id === track.id);
      if (i < 0 || i === index) return; // the playing track keeps playing until it ends
      list.splice(i, 1);
      if (i < index) index -= 1;
      history.replaceState({}, '', `/likes_player/${index}`);
      renderNowPlaying();
      renderQueue();
    },
    reset: () => fetchList({ keepCurrent: true }),
  });

  async function fetchList({ keepCurrent = false } = {}) {
    try {
      const data = await get('/api/playlists/likes');
      if (destroyed) return;
      const playingId = keepCurrent && current() ? current().id : null;
      list = (data && data.tracks) || [];
      if (!list.length) { renderEmpty(); return; }
      if (playingId !== null) {
        const i = list.findIndex((t) => t.id === playingId);
        if (i >= 0) { index = i; renderNowPlaying(); renderQueue(); return; }
      }
      layout();
      load(Math.min(index, list.length - 1));
    } catch (err) {
      setChildren(body, placeholder('The liked tracks could not be loaded.'));
      notifyError(err, 'Could not load your likes');
    }
  }

  setChildren(body, placeholder('Loading your likes…'));
  fetchList();

  return () => {
    destroyed = true;
    off();
    document.removeEventListener('keydown', onKey);
    binding?.detach();
    stopMedia();
    if ('mediaSession' in navigator) {
      navigator.mediaSession.metadata = null;
      for (const action of Object.keys(sessionActions)) {
        try { navigator.mediaSession.setActionHandler(action, null); } catch { /* unsupported */ }
      }
    }
  };
}
