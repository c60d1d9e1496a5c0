// The app-wide banner shown while the download brake holds every download (after a rate limit
// or a bot check). Its state (the server's Brake: paused_until, cause, probing, remedy) comes
// from /api/health on load and from `ratelimit.paused` / `ratelimit.resumed` events afterwards.
import { isAdmin } from './session.js';
import { get } from './api.js';
import * as live from './live.js';
import { ERROR_CLASSES } from './meta.js';
import { h, setChildren, formatSpan, formatClock } from './ui.js';

let brake = null;
let tick = null;

function render() {
  const banner = document.getElementById('ratelimit-banner');
  const remaining = brake && brake.paused_until ? (Date.parse(brake.paused_until) - Date.now()) / 1000 : 0;
  const probing = Boolean(brake && brake.probing);
  if (!(remaining > 0) && !probing) {
    banner.hidden = true;
    clearInterval(tick);
    tick = null;
    return;
  }
  banner.hidden = false;
  const why = (brake.cause && ERROR_CLASSES[brake.cause] && ERROR_CLASSES[brake.cause].summary) || 'The site is limiting downloads.';
  setChildren(banner,
    h('strong', {}, 'Downloads are paused. '), why, ' ',
    remaining > 0
      ? `They resume at ${formatClock(brake.paused_until)} (in ${formatSpan(remaining)}), after one test download gets through.`
      : 'One test download is checking whether the site answers again.',
    brake.remedy ? h('span', { class: 'banner-remedy' }, ` ${brake.remedy}`) : null);
  if (!tick) tick = setInterval(render, 1000);
}

/** The time downloads resume at (ISO), or null while they are not paused. */
export function pausedUntilTime() {
  return brake && brake.paused_until && Date.parse(brake.paused_until) > Date.now() ? brake.paused_until : null;
}

/** Takes the server's Brake (or null). */
export function setBrake(next) {
  brake = next || null;
  render();
}

export function init() {
  live.onMany({
    'ratelimit.paused': (data) => setBrake(data),
    'ratelimit.resumed': (data) => setBrake(data && (data.probing || pausedOf(data)) ? data : null),
    reset: refresh,
    open: refresh,
  });
  refresh();
}

const pausedOf = (data) => data.paused_until && Date.parse(data.paused_until) > Date.now();

function refresh() {
  // The brake is the admins' business (a listener's health call would be refused).
  if (!isAdmin()) return;
  get('/api/health')
    .then((health) => setBrake(health && health.rate_limit))
    // Not reported here: the page's own requests already tell the user the server is down.
    .catch((error) => console.warn('download brake state unavailable', error));
}
