// The one player of the app. It lives outside the page views (in the dock of index.html), so
// music keeps playing while the router swaps pages. It owns the queue, the one media element,
// the transport, the keyboard shortcuts, the Media Session and playback telemetry; pages hand
// it lists (`playList`, `enqueue`, `playNext`) and read its state (`state`, `subscribe`).
//
// The bar is the only set of controls: the media element has no native controls, and the
// now-playing page (nowplaying.js) shows artwork and the queue, never a second Play button.
import { pager } from './api.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { notify, notifyError } from './notices.js';
import { bindMedia, record } from './telemetry.js';
import { rate, trashTrack, offerUndo, undoLastDelete, artwork, isLiked } from './tracks.js';
import { h, setChildren, withBusy, formatDuration } from './ui.js';

const SEEK_STEP = 5;
const VOLUME_STEP = 0.1;
const RESTART_AFTER = 3; // "previous" restarts the track when more than this many seconds in
const PREFETCH_WHEN_LEFT = 3; // ask the source for more tracks when this few are left

const prefs = {
  read(key, fallback) {
    try { const v = localStorage.getItem(`spool.player.${key}`); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
  },
  write(key, value) {
    try { localStorage.setItem(`spool.player.${key}`, JSON.stringify(value)); } catch { /* not remembered */ }
  },
};

// ---- state ----
let queue = []; // Track[] in play order
let index = -1; // the current track's position in `queue`
/** Where the queue came from: {kind: 'likes'|'library'|'history'|'source'|'custom', label, href, more?} */
let source = null;
let shuffle = Boolean(prefs.read('shuffle', false));
let repeat = ['off', 'all', 'one'].includes(prefs.read('repeat', 'off')) ? prefs.read('repeat', 'off') : 'off';
let volume = Math.min(1, Math.max(0, Number(prefs.read('volume', 1))));
let shuffleHistory = []; // track ids played in this shuffle cycle, for "previous" and no repeats
let loadingMore = null; // the pending `source.more()` promise
let media = null;
let binding = null;
const listeners = new Set();

export const current = () => queue[index] || null;

/** A snapshot for pages: {queue, index, source, track, playing, shuffle, repeat}. */
export function state() {
  return { queue: queue.slice(), index, source, track: current(), playing: Boolean(media && !media.paused), shuffle, repeat };
}

/** fn(what) runs on every change: what = 'track' | 'queue' | 'play' | 'modes'. Returns unsubscribe. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(what) {
  for (const fn of listeners) {
    try { fn(what); } catch (error) { console.error('player listener failed', error); }
  }
  renderBar(what);
}

// ---- the bar (the one set of controls) ----
const btn = (testid, label, glyph, onclick, extra = {}) => h('button', {
  type: 'button', class: `btn btn-icon ${extra.class || ''}`, 'aria-label': label, title: label, dataset: { testid }, onclick, ...extra.attrs,
}, glyph);

const art = h('a', { class: 'bar-art', href: '/player', 'aria-label': 'Now playing and queue', tabindex: '-1', dataset: { testid: 'player-art' } });
const title = h('a', { class: 'bar-title', href: '/player', dataset: { testid: 'player-title' } });
const meta = h('span', { class: 'bar-meta small muted', dataset: { testid: 'player-meta' } });
const playButton = btn('player-play', 'Play (Space)', icon('play', 26), () => togglePlay(), { class: 'btn-play' });
const prevButton = btn('player-prev', 'Previous (Shift+← or P)', icon('prev'), () => previous(), { class: 'bar-extra' });
const nextButton = btn('player-next', 'Next (Shift+→ or N)', icon('next'), () => next({ user: true }));
const shuffleButton = btn('player-shuffle', 'Shuffle', icon('shuffle'), () => setShuffle(!shuffle), { attrs: { 'aria-pressed': String(shuffle) }, class: 'bar-extra' });
const repeatButton = btn('player-repeat', 'Repeat', icon('repeat'), () => cycleRepeat(), { class: 'bar-extra' });
const likeButton = btn('player-like', 'Like (L)', icon('heartOutline'), (e) => withBusy(e.currentTarget, () => rateCurrent(1, { toggle: true })), { class: 'rate rate-like' });
const dislikeButton = btn('player-dislike', 'Dislike (D)', icon('dislike'), (e) => withBusy(e.currentTarget, () => rateCurrent(-1, { toggle: true })), { class: 'rate rate-dislike bar-extra' });
const deleteButton = btn('player-delete', 'Delete this track (Delete key)', icon('trash'), (e) => withBusy(e.currentTarget, deleteCurrent), { class: 'btn-danger-outline bar-extra' });
const muteButton = btn('player-mute', 'Mute (M)', icon('volume'), () => toggleMute(), { class: 'bar-extra bar-wide' });
const volumeSlider = h('input', {
  type: 'range', min: '0', max: '1', step: '0.01', value: String(volume), class: 'volume bar-extra bar-wide',
  'aria-label': 'Volume', dataset: { testid: 'player-volume' },
  oninput: (e) => { if (media) { media.muted = false; media.volume = Number(e.target.value); } },
});
const queueLink = h('a', { class: 'btn btn-icon bar-extra', href: '/player', 'aria-label': 'Queue', title: 'Queue', dataset: { testid: 'player-queue-toggle' } }, icon('queue'));
const seek = h('input', {
  type: 'range', min: '0', max: '0', step: '0.1', value: '0', class: 'seek', 'aria-label': 'Seek',
  dataset: { testid: 'player-seek' },
  oninput: (e) => { scrubbing = true; elapsed.textContent = formatDuration(Number(e.target.value)); },
  onchange: (e) => { scrubbing = false; if (media && Number.isFinite(media.duration)) media.currentTime = Number(e.target.value); },
});
let scrubbing = false;
const elapsed = h('span', { class: 'time small', dataset: { testid: 'player-elapsed' } }, '0:00');
const total = h('span', { class: 'time small', dataset: { testid: 'player-duration' } }, '0:00');
const mediaHost = h('div', { class: 'media-host' });

// On a phone the bar shows the track, Like, Play and Next; the rest (`bar-extra`) appears on
// the now-playing page, where the same bar grows to its full size (styles.css).
const bar = h('section', { class: 'player-bar', 'aria-label': 'Player', hidden: true, dataset: { testid: 'player-bar' } },
  h('div', { class: 'bar-now' }, art, h('div', { class: 'bar-text' }, title, meta)),
  h('div', { class: 'bar-seek bar-extra' }, elapsed, seek, total),
  h('div', { class: 'bar-transport', role: 'group', 'aria-label': 'Playback' }, shuffleButton, prevButton, playButton, nextButton, repeatButton),
  h('div', { class: 'bar-side', role: 'group', 'aria-label': 'This track' }, likeButton, dislikeButton, deleteButton, muteButton, volumeSlider, queueLink),
  mediaHost);

function renderBar(what) {
  const track = current();
  bar.hidden = !track;
  if (!track) return;
  if (what === 'track' || what === 'queue' || what === 'init') {
    // A video shows in the art slot itself, unless the now-playing page has borrowed it.
    const videoInSlot = media && media.tagName === 'VIDEO' && !stageTaken;
    if (!videoInSlot) setChildren(art, artwork(track, 48));
    title.textContent = track.title;
    title.title = track.title;
    meta.textContent = [track.source_title || track.uploader, source && source.label].filter(Boolean).join(' · ');
  }
  const liked = isLiked(track);
  likeButton.setAttribute('aria-pressed', String(liked));
  likeButton.setAttribute('aria-label', liked ? 'Liked (click to remove the like)' : 'Like (L)');
  setChildren(likeButton, icon(liked ? 'heart' : 'heartOutline'));
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
  const playingNow = Boolean(media && !media.paused);
  setChildren(playButton, icon(playingNow ? 'pause' : 'play', 26));
  playButton.setAttribute('aria-label', playingNow ? 'Pause (Space)' : 'Play (Space)');
  playButton.title = playingNow ? 'Pause' : 'Play';
  bar.dataset.playing = String(playingNow);
  if ('mediaSession' in navigator) navigator.mediaSession.playbackState = playingNow ? 'playing' : (current() ? 'paused' : 'none');
}

function renderTime() {
  if (!media) return;
  const duration = Number.isFinite(media.duration) ? media.duration : Number(current()?.duration) || 0;
  if (String(seek.max) !== String(duration)) { seek.max = String(duration); total.textContent = formatDuration(duration); }
  if (!scrubbing) {
    seek.value = String(media.currentTime);
    elapsed.textContent = formatDuration(media.currentTime);
  }
  seek.setAttribute('aria-valuetext', `${formatDuration(media.currentTime)} of ${formatDuration(duration)}`);
}

function renderVolume() {
  if (!media) return;
  const level = media.muted ? 0 : media.volume;
  volumeSlider.value = String(level);
  setChildren(muteButton, icon(level === 0 ? 'mute' : 'volume'));
  muteButton.setAttribute('aria-pressed', String(media.muted));
}

// ---- the video stage: the now-playing page borrows the <video> while it is shown ----
let stageTaken = null; // the element the now-playing page lent for the video, or null

/** The now-playing page shows the video (if any) in `host`; give it back with the returned fn. */
export function lendStage(host) {
  stageTaken = host;
  placeMedia();
  return () => {
    if (stageTaken === host) stageTaken = null;
    placeMedia();
    renderBar('track');
  };
}

function placeMedia() {
  if (!media) return;
  // Moving a playing media element within the document in one task keeps it playing.
  if (media.tagName === 'VIDEO') {
    const target = stageTaken || art;
    if (media.parentElement !== target) { setChildren(target); target.append(media); }
  } else if (media.parentElement !== mediaHost) {
    mediaHost.append(media);
  }
}

// ---- media element (audio, or video for video/* tracks) ----
function ensureMedia(track) {
  const kind = (track.mime_type || '').startsWith('video/') ? 'video' : 'audio';
  if (media && media.tagName.toLowerCase() === kind) return;
  if (media) {
    binding.detach();
    media.pause();
    media.removeAttribute('src');
    media.load();
    media.remove();
  }
  // No `controls`: the bar is the one set of controls.
  media = h(kind, {
    preload: 'auto', playsinline: true, class: `player-media player-${kind}`,
    dataset: { testid: kind === 'video' ? 'player-video' : 'player-audio' },
    'aria-label': kind === 'video' ? 'Video' : null,
  });
  media.volume = volume;
  // Telemetry listens first, so its `ended` is recorded for the track that ended, before
  // our own `ended` handler below moves on to the next one.
  binding = bindMedia(media, current);
  media.addEventListener('play', () => { renderPlayState(); emit('play'); });
  media.addEventListener('pause', () => {
    const track = current();
    if (track) track.last_position = media.currentTime; // so going back resumes here
    renderPlayState();
    emit('play');
  });
  media.addEventListener('ended', () => next({ user: false }));
  media.addEventListener('volumechange', () => { volume = media.volume; prefs.write('volume', volume); renderVolume(); });
  media.addEventListener('timeupdate', renderTime);
  media.addEventListener('durationchange', renderTime);
  media.addEventListener('loadedmetadata', () => { renderTime(); updatePositionState(); });
  media.addEventListener('seeked', () => { renderTime(); updatePositionState(); });
  media.addEventListener('error', () => {
    const track = current();
    if (!media.error || !track || !media.getAttribute('src')) return;
    // Network errors while Spool restarts are retried when the live feed is back (see below).
    notify(`“${track.title}” could not be played (media error ${media.error.code}). Press N for the next track.`, { kind: 'error', key: 'media-error' });
  });
  placeMedia();
  renderVolume();
}

/** Loads queue[i]; resumes at last_position unless the track was (nearly) finished. */
function load(i, { autoplay = true } = {}) {
  if (!queue.length) { stop(); return; }
  index = Math.min(Math.max(0, i), queue.length - 1);
  const track = current();
  ensureMedia(track);
  media.src = track.media_url;
  const resumeAt = Number(track.last_position) || 0;
  const duration = Number(track.duration) || Infinity;
  const resume = resumeAt > 1 && resumeAt < duration - 5;
  if (shuffle && !shuffleHistory.includes(track.id)) shuffleHistory.push(track.id);
  scrubbing = false;
  seek.value = '0';
  renderTime();
  setMediaSession(track);
  emit('track');
  const start = () => {
    if (!autoplay || current() !== track) return;
    media.play().catch((err) => {
      // Autoplay without a click is blocked on a fresh page load: expected, not an error.
      if (err.name === 'NotAllowedError') notify('Press play (or Space) to start.', { timeout: 4000, key: 'autoplay' });
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
  topUp();
}

/** Stops and forgets the queue (nothing left to play). */
function stop() {
  if (media) { media.pause(); media.removeAttribute('src'); media.load(); }
  queue = [];
  index = -1;
  source = null;
  if ('mediaSession' in navigator) navigator.mediaSession.metadata = null;
  emit('queue');
}

// ---- public: queue building ----

/**
 * Replaces the queue with `tracks` and plays tracks[start]. `from` describes the source:
 * {kind, label, href, more?: async () => Track[]} — `more` extends a paged list (the library)
 * when the queue runs low.
 */
export function playList(tracks, start = 0, from = null, { autoplay = true } = {}) {
  recordSkip();
  queue = dedupe(tracks);
  source = from;
  shuffleHistory = [];
  if (!queue.length) { stop(); return; }
  const wanted = tracks[start];
  const at = wanted ? queue.findIndex((t) => t.id === wanted.id) : 0;
  load(at < 0 ? 0 : at, { autoplay });
  emit('queue');
}

/** Appends tracks that are not queued yet; starts playing if nothing was. Returns how many were added. */
export function enqueue(tracks) {
  const have = new Set(queue.map((t) => t.id));
  const fresh = dedupe(tracks).filter((t) => !have.has(t.id));
  if (!fresh.length) return 0;
  const wasEmpty = !queue.length;
  queue.push(...fresh);
  if (wasEmpty) {
    source = { kind: 'custom', label: 'Queue', href: '/player' };
    load(0);
  }
  emit('queue');
  return fresh.length;
}

/** Puts `track` right after the current one (moving it if it is queued already). */
export function playNext(track) {
  if (!queue.length) { playList([track], 0, { kind: 'custom', label: 'Queue', href: '/player' }); return; }
  const existing = queue.findIndex((t) => t.id === track.id);
  if (existing === index) return;
  if (existing >= 0) {
    queue.splice(existing, 1);
    if (existing < index) index -= 1;
  }
  queue.splice(index + 1, 0, track);
  emit('queue');
}

/** Plays queue[i] (a click in the queue). */
export function jump(i) {
  if (i < 0 || i >= queue.length) return;
  recordSkip();
  load(i);
}

/**
 * Removes queue[i]; removing the current track loads the next one, playing if the removed
 * one was playing (or always, with `autoplay: true`).
 */
export function removeAt(i, { autoplay = null } = {}) {
  if (i < 0 || i >= queue.length) return;
  if (i === index) {
    queue.splice(i, 1);
    if (!queue.length) { stop(); return; }
    load(i >= queue.length ? 0 : i, { autoplay: autoplay ?? Boolean(media && !media.paused) });
    emit('queue');
    return;
  }
  queue.splice(i, 1);
  if (i < index) index -= 1;
  emit('queue');
}

/** Moves queue[from] to position `to` (reorder); the current track keeps playing. */
export function move(from, to) {
  if (from === to || from < 0 || from >= queue.length || to < 0 || to >= queue.length) return;
  const playingId = current()?.id;
  const [track] = queue.splice(from, 1);
  queue.splice(to, 0, track);
  index = queue.findIndex((t) => t.id === playingId);
  emit('queue');
}

/** Clears everything after the current track (the current one keeps playing). */
export function clearUpcoming() {
  if (index < 0) return;
  queue = queue.slice(0, index + 1);
  source = source && { ...source, more: null };
  emit('queue');
}

/** The library (or anyone) changed a track: keep the queue's copy current. */
export function updateTrack(track) {
  const i = queue.findIndex((t) => t.id === track.id);
  if (i < 0) {
    // A newly liked track joins a Likes queue at its end.
    if (source && source.kind === 'likes' && track.rating === 1 && !track.deleted_at && queue.length) {
      queue.push(track);
      emit('queue');
    }
    return;
  }
  // Keep our local resume position; the server copy may lag behind the last events.
  // An event every client gets leaves out the user's own fields (rating, counts): keep ours.
  queue[i] = { ...queue[i], ...track, last_position: queue[i].last_position };
  emit(i === index ? 'track' : 'queue');
}

/**
 * A track went to the trash. `skipCurrent: true` moves on to the next track when it is the
 * current one (a delete made in this tab); a delete made elsewhere lets it finish playing.
 */
export function forgetTrack(id, { skipCurrent = false } = {}) {
  const i = queue.findIndex((t) => t.id === id);
  if (i < 0) return;
  if (i === index) {
    if (skipCurrent) removeAt(i, { autoplay: true });
    return;
  }
  removeAt(i);
}

/** A restored track goes back to the position it had. */
export function reinsert(track, at) {
  if (queue.some((t) => t.id === track.id)) return;
  if (!queue.length) { playList([track], 0, source || { kind: 'custom', label: 'Queue', href: '/player' }, { autoplay: false }); return; }
  const playingId = current()?.id;
  queue.splice(Math.min(at, queue.length), 0, track);
  index = queue.findIndex((t) => t.id === playingId);
  emit('queue');
}

function dedupe(tracks) {
  const seen = new Set();
  return (tracks || []).filter((t) => t && !seen.has(t.id) && seen.add(t.id));
}

/** Asks a paged source (the library) for more when few tracks are left. */
function topUp() {
  if (!source || typeof source.more !== 'function' || loadingMore) return;
  if (queue.length - index - 1 > PREFETCH_WHEN_LEFT) return;
  const from = source;
  loadingMore = from.more()
    .then((tracks) => {
      if (source !== from || !tracks || !tracks.length) { if (source === from && tracks && !tracks.length) source = { ...source, more: null }; return; }
      const have = new Set(queue.map((t) => t.id));
      queue.push(...tracks.filter((t) => !have.has(t.id)));
      emit('queue');
    })
    .catch((err) => { if (err.name !== 'AbortError') notifyError(err, 'Could not load more tracks for the queue'); })
    .finally(() => { loadingMore = null; });
}

// ---- transport ----
export function togglePlay() {
  if (!media || !current()) return;
  if (media.paused) {
    media.play().catch((err) => {
      // A newer load (next/previous pressed quickly) interrupts this play(): not a failure.
      if (err.name !== 'AbortError') notifyError(err, 'Playback did not start');
    });
  } else {
    media.pause();
  }
}

function seekBy(seconds) {
  if (!media || !Number.isFinite(media.duration)) return;
  media.currentTime = Math.min(Math.max(0, media.currentTime + seconds), media.duration);
}

function changeVolume(delta) {
  if (!media) return;
  media.muted = false;
  media.volume = Math.round(Math.min(1, Math.max(0, media.volume + delta)) * 100) / 100;
  notify(`Volume ${Math.round(media.volume * 100)}%`, { timeout: 1200, key: 'volume' });
}

function toggleMute() {
  if (!media) return;
  media.muted = !media.muted;
  notify(media.muted ? 'Muted.' : 'Sound on.', { timeout: 1200, key: 'volume' });
}

/** A user jump away from a track that did not end counts as a skip. */
function recordSkip() {
  if (media && current() && !media.ended && media.currentTime > 0) {
    record('skip', current().id, { position: media.currentTime });
  }
}

function pickShuffled() {
  const unplayed = queue.map((_, i) => i).filter((i) => !shuffleHistory.includes(queue[i].id));
  if (!unplayed.length) return null;
  return unplayed[Math.floor(Math.random() * unplayed.length)];
}

export function next({ user }) {
  if (!queue.length) return;
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
    if (target >= queue.length) {
      if (repeat === 'all' || user) target = 0; // a deliberate "next" at the end wraps around
      else { notify(`End of ${source && source.label ? source.label : 'the queue'}.`, { key: 'queue-end' }); emit('play'); return; }
    }
  }
  load(target);
}

export function previous() {
  if (!queue.length) return;
  if (media && media.currentTime > RESTART_AFTER) { media.currentTime = 0; return; }
  recordSkip();
  if (shuffle && shuffleHistory.length > 1) {
    shuffleHistory.pop();
    const id = shuffleHistory[shuffleHistory.length - 1];
    const i = queue.findIndex((t) => t.id === id);
    if (i >= 0) { load(i); return; }
  }
  load(index - 1 < 0 ? queue.length - 1 : index - 1);
}

function setShuffle(on) {
  shuffle = on;
  prefs.write('shuffle', on);
  shuffleHistory = on && current() ? [current().id] : [];
  emit('modes');
  notify(on ? 'Shuffle on.' : 'Shuffle off.', { timeout: 1500, key: 'modes' });
}

function cycleRepeat() {
  repeat = { off: 'all', all: 'one', one: 'off' }[repeat];
  prefs.write('repeat', repeat);
  emit('modes');
  notify(`Repeat: ${repeat}.`, { timeout: 1500, key: 'modes' });
}

// ---- rating and delete ----

/**
 * Rates the current track. The buttons toggle (pressing Like on a liked track clears it);
 * the L and D keys only set, so pressing L on a liked track changes nothing.
 */
export async function rateCurrent(value, { toggle = false } = {}) {
  const track = current();
  if (!track) return;
  let target = value;
  if (track.rating === value) {
    if (!toggle) {
      notify(`Already ${value > 0 ? 'liked' : 'disliked'}: “${track.title}”.`, { timeout: 2000, key: 'rating' });
      return;
    }
    target = 0;
  }
  const updated = await rate(track, target);
  if (!updated) return;
  updateTrack(updated);
  const label = updated.rating === 1 ? 'Liked' : updated.rating === -1 ? 'Disliked' : 'Rating cleared';
  notify(`${label}: “${updated.title}”.`, { timeout: 2500, key: 'rating' });
}

export async function deleteCurrent() {
  const track = current();
  if (!track) return;
  const at = index;
  const result = await trashTrack(track);
  if (!result) return;
  offerUndo(track, result.undo, { onRestored: (restored) => reinsert(restored, at), trashed: result.trashed });
  forgetTrack(track.id, { skipCurrent: true });
}

// ---- keyboard ----
// Space, N/P, Shift+←/→, L, D, M and Z work on every page. Plain arrows (seek, volume) and
// Delete act on the player only where they cannot mean something else: on the now-playing
// page, or while focus is inside the bar; elsewhere the arrows scroll the page as usual.
function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
  if (document.querySelector('dialog[open]') || !queue.length) return;
  const playerContext = document.body.dataset.route === 'player' || bar.contains(target);
  switch (event.key) {
    case ' ':
      if (target.closest('button, a, summary, [role="button"]')) return; // let focused controls activate
      togglePlay();
      break;
    case 'ArrowLeft':
      if (event.shiftKey) previous(); else if (playerContext) seekBy(-SEEK_STEP); else return;
      break;
    case 'ArrowRight':
      if (event.shiftKey) next({ user: true }); else if (playerContext) seekBy(SEEK_STEP); else return;
      break;
    case 'ArrowUp': if (!playerContext) return; changeVolume(VOLUME_STEP); break;
    case 'ArrowDown': if (!playerContext) return; changeVolume(-VOLUME_STEP); break;
    case 'n': case 'N': next({ user: true }); break;
    case 'p': case 'P': previous(); break;
    case 'l': case 'L': rateCurrent(1); break;
    case 'd': case 'D': rateCurrent(-1); break;
    case 'm': case 'M': toggleMute(); break;
    case 'Delete': if (!playerContext) return; withBusy(deleteButton, deleteCurrent); break;
    case 'z': case 'Z': if (!undoLastDelete()) return; break;
    default: return;
  }
  event.preventDefault();
}

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
      artist: track.artist || track.source_title || track.uploader || '',
      album: track.album || `Spool · ${source && source.label ? source.label : 'Queue'}`,
      artwork: track.has_thumbnail && track.artwork_url ? [{ src: new URL(track.artwork_url, location.href).href, sizes: '1200x1200', type: 'image/jpeg' }] : [],
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
async function refetchLikes() {
  if (!source || source.kind !== 'likes') return;
  try {
    // As many likes as the queue held (page by page), the rest again as it runs low.
    const likes = pager('/api/playlists/likes', 'tracks', {}, { limit: 500 });
    const fresh = await likes.next();
    while (fresh.length < queue.length && !likes.done) fresh.push(...await likes.next());
    source = { ...source, more: likes.done ? null : () => likes.next() };
    const playingId = current()?.id;
    if (!fresh.length) { stop(); return; }
    const local = new Map(queue.map((t) => [t.id, t]));
    queue = fresh.map((t) => (local.has(t.id) ? { ...t, last_position: local.get(t.id).last_position } : t));
    const i = queue.findIndex((t) => t.id === playingId);
    if (i >= 0) index = i;
    else if (playingId !== undefined) { queue.splice(Math.min(index, queue.length), 0, local.get(playingId)); }
    emit('queue');
  } catch (err) {
    notifyError(err, 'Could not refresh your likes');
  }
}

/** Sets everything up once (main.js). */
export function init(root) {
  root.append(bar);
  document.addEventListener('keydown', onKey);
  live.onMany({
    'track.updated': (track) => track && updateTrack(track),
    // This user's own rating or hide, from another of their tabs or apps.
    'track.state': (track) => track && updateTrack(track),
    // Deleted elsewhere: leave the queue (the playing one finishes first).
    'track.deleted': (track) => track && forgetTrack(track.id),
    'track.purged': (data) => data && forgetTrack(data.id),
    reset: refetchLikes,
    // Back after an outage: a media request that failed meanwhile is retried where it stopped.
    open: () => {
      if (!media || !media.error || !current()) return;
      const at = media.currentTime || Number(current().last_position) || 0;
      const wasPlaying = !media.paused || media.error.code === MediaError.MEDIA_ERR_NETWORK;
      media.src = current().media_url;
      media.addEventListener('loadedmetadata', () => { binding.silentSeek(at); if (wasPlaying) media.play().catch(() => {}); }, { once: true });
    },
  });
  renderBar('init');
}
