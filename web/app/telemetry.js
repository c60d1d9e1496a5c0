// Playback telemetry: events are queued and POSTed to /api/events as one batch every 3 s, and
// sent with sendBeacon when the page is hidden or unloaded (a fetch may not survive that).
import { post } from './api.js';
import { notifyError } from './notices.js';

const FLUSH_MS = 3000;
const MAX_BATCH = 500; // the server accepts at most 500 per request
const MAX_QUEUE = 2000; // when the server is down for long, drop the oldest rather than grow forever

/** Random per page load. crypto.randomUUID needs a secure context; plain-http LAN installs lack it. */
export const session = (globalThis.crypto && crypto.randomUUID)
  ? crypto.randomUUID()
  : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (Number(c) ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (Number(c) / 4)))).toString(16));

let queue = [];
let timer = null;
let sending = false;
let failureReported = false;
const beforeUnloadHooks = new Set();

const round = (n) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);

/**
 * Queues one event. Consecutive seeks (or volume changes) of the same track replace each other
 * while queued, so dragging the seek bar yields one event, and never a request per step.
 */
export function record(type, trackId, { position = null, value = null } = {}) {
  if (trackId === null || trackId === undefined) return;
  const event = { type, track_id: trackId, session, position: round(position), value: round(value), client_time: new Date().toISOString() };
  const last = queue[queue.length - 1];
  if (last && (type === 'seek' || type === 'volume') && last.type === type && last.track_id === trackId) {
    queue[queue.length - 1] = event;
  } else {
    queue.push(event);
  }
  if (queue.length > MAX_QUEUE) queue = queue.slice(-MAX_QUEUE);
  if (!timer) timer = setInterval(flush, FLUSH_MS);
}

export async function flush() {
  if (sending || !queue.length) return;
  sending = true;
  const batch = queue.splice(0, MAX_BATCH);
  try {
    await post('/api/events', { events: batch });
    failureReported = false;
  } catch (error) {
    queue = batch.concat(queue).slice(-MAX_QUEUE); // keep them for the next tick
    if (!failureReported) {
      failureReported = true; // one notice per outage, not one every 3 s
      notifyError(error, 'Playback history could not be saved (will retry)');
    }
  } finally {
    sending = false;
  }
}

/** Runs `fn` right before the unload beacon, e.g. to record the position of a playing track. */
export function beforeUnload(fn) {
  beforeUnloadHooks.add(fn);
  return () => beforeUnloadHooks.delete(fn);
}

function beacon(reason) {
  if (reason === 'pagehide') beforeUnloadHooks.forEach((fn) => { try { fn(); } catch (e) { console.error(e); } });
  while (queue.length) {
    const batch = queue.splice(0, MAX_BATCH);
    const blob = new Blob([JSON.stringify({ events: batch })], { type: 'application/json' });
    let sent = false;
    try {
      sent = navigator.sendBeacon && navigator.sendBeacon('/api/events', blob);
    } catch {
      sent = false;
    }
    if (!sent) {
      // The beacon was refused (too large / unsupported): a keepalive fetch also outlives the page.
      post('/api/events', { events: batch }, { keepalive: true }).catch(() => {});
    }
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') beacon('hidden');
});
window.addEventListener('pagehide', () => beacon('pagehide'));

/**
 * Records the standard events of a media element. `currentTrack()` returns the Track playing.
 * Returns {detach, silentSeek(seconds)}: silentSeek moves the playhead without a `seek` event
 * (used to resume at last_position, which is not a user action).
 */
export function bindMedia(media, currentTrack) {
  let silent = false;
  const id = () => currentTrack()?.id;
  const handlers = {
    play: () => record('play', id(), { position: media.currentTime }),
    // The browser fires `pause` just before `ended`; that one is not a user pause.
    pause: () => { if (!media.ended) record('pause', id(), { position: media.currentTime }); },
    seeked: () => {
      if (silent) { silent = false; return; }
      record('seek', id(), { position: media.currentTime });
    },
    volumechange: () => record('volume', id(), { position: media.currentTime, value: media.muted ? 0 : media.volume }),
    ended: () => record('ended', id(), { position: media.duration || media.currentTime }),
  };
  for (const [type, fn] of Object.entries(handlers)) media.addEventListener(type, fn);
  const offUnload = beforeUnload(() => {
    if (!media.paused && !media.ended) record('pause', id(), { position: media.currentTime });
  });
  return {
    silentSeek(seconds) {
      silent = true;
      media.currentTime = seconds;
    },
    detach() {
      for (const [type, fn] of Object.entries(handlers)) media.removeEventListener(type, fn);
      offUnload();
      flush();
    },
  };
}
