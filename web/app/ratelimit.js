// The app-wide banner shown while downloads are paused by a rate limit. Its state comes from
// /api/health on load and from `ratelimit.paused` / `ratelimit.resumed` live events afterwards.
import { get } from './api.js';
import * as live from './live.js';
import { formatSpan } from './ui.js';

let pausedUntil = null;
let tick = null;

function render() {
  const banner = document.getElementById('ratelimit-banner');
  const remaining = pausedUntil ? (Date.parse(pausedUntil) - Date.now()) / 1000 : 0;
  if (!pausedUntil || !(remaining > 0)) {
    banner.hidden = true;
    clearInterval(tick);
    tick = null;
    return;
  }
  banner.hidden = false;
  const at = new Date(pausedUntil).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  banner.textContent = `Downloads are paused: the source is rate-limiting us. They resume at ${at} (in ${formatSpan(remaining)}).`;
  if (!tick) tick = setInterval(render, 1000);
}

/** The time downloads resume at (ISO), or null while they are not paused. */
export function pausedUntilTime() {
  return pausedUntil && Date.parse(pausedUntil) > Date.now() ? pausedUntil : null;
}

export function setPaused(until) {
  pausedUntil = until || null;
  render();
}

export function init() {
  live.onMany({
    'ratelimit.paused': (data) => setPaused(data && data.paused_until),
    'ratelimit.resumed': () => setPaused(null),
    reset: refresh,
    open: refresh,
  });
  refresh();
}

function refresh() {
  get('/api/health')
    .then((health) => setPaused(health && health.rate_limit ? health.rate_limit.paused_until : null))
    // Not reported here: the page's own requests already tell the user the server is down.
    .catch((error) => console.warn('rate-limit state unavailable', error));
}
