// Entry point: History API router, navigation state, and the app-wide pieces that outlive
// page views (the player, the live connection, the rate-limit banner, the sign-in redirect).
import { h, setChildren } from './ui.js';
import { fillIcons } from './icons.js';
import { notify, closeNotice } from './notices.js';
import * as live from './live.js';
import * as meta from './meta.js';
import * as player from './player.js';
import * as ratelimit from './ratelimit.js';
import * as session from './session.js';

// Pages load lazily so the first page does not wait for the others' code; once it is shown,
// the rest are fetched in the background, so moving between pages works during an outage.
const page = (name) => (attempt = 0) => import(attempt ? `./${name}.js?retry=${attempt}` : `./${name}.js`);
const routes = [
  { key: 'overview', pattern: /^\/$/, title: 'Overview', load: page('overview') },
  { key: 'library', pattern: /^\/library\/?$/, title: 'Library', load: page('library') },
  { key: 'likes', route: 'player', pattern: /^\/likes_player(?:\/(\d+))?\/?$/, title: 'Likes', load: page('nowplaying') },
  { key: 'player', route: 'player', pattern: /^\/player\/?$/, title: 'Now playing', load: page('nowplaying') },
  { key: 'sources', pattern: /^\/sources\/?$/, title: 'Sources', load: page('sources') },
  { key: 'source', pattern: /^\/sources\/(\d+)\/?$/, title: 'Source', load: page('source') },
  { key: 'jobs', pattern: /^\/jobs\/?$/, title: 'Jobs', load: page('jobs') },
  { key: 'health', pattern: /^\/health\/?$/, title: 'Health', load: page('health') },
  { key: 'settings', pattern: /^\/settings\/?$/, title: 'Settings', load: page('settings') },
  { key: 'users', pattern: /^\/users\/?$/, title: 'Users', load: page('users') },
  { key: 'account', pattern: /^\/account\/?$/, title: 'My account', load: page('account') },
];

/**
 * Links of the first API's days: /channels and /channels/7 became /sources and /sources/7, and
 * `?channel=` became `?source=`. Old bookmarks lead to the new pages (the URL is rewritten in
 * place, so Back does not bounce).
 */
function renamed(pathname, search) {
  const path = pathname.replace(/^\/channels(?=\/|$)/, '/sources');
  const query = new URLSearchParams(search);
  if (query.has('channel') && !query.has('source')) {
    query.set('source', query.get('channel'));
    query.delete('channel');
  }
  const qs = query.toString();
  const next = path + (qs ? `?${qs}` : '');
  return next === pathname + search ? null : next;
}
// A failed import() stays failed for that URL until the page reloads; a retry asks for the same
// file under a new query (its own imports resolve to the modules already loaded).
let importAttempt = 0;

const main = document.getElementById('main');
let cleanup = null;
let renderToken = 0;

function match(pathname) {
  for (const route of routes) {
    const found = pathname.match(route.pattern);
    if (found) return { route, params: found.slice(1) };
  }
  return null;
}

function markCurrentNav(pathname) {
  for (const link of document.querySelectorAll('.mainnav a, .tabbar a')) {
    const target = link.dataset.match || link.getAttribute('href').split('?')[0];
    const current = target === '/' ? pathname === '/' : pathname === target || pathname.startsWith(`${target}/`);
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  const queueLink = document.querySelector('[data-testid="player-queue-toggle"]');
  if (queueLink) {
    if (pathname === '/player' || pathname.startsWith('/likes_player')) queueLink.setAttribute('aria-current', 'page');
    else queueLink.removeAttribute('aria-current');
  }
}

/** The Likes links name the current position while the Likes play, so following one never jumps. */
function syncLikesLinks() {
  const { source, index } = player.state();
  const href = source && source.kind === 'likes' && index >= 0 ? `/likes_player/${index}` : '/likes_player/0';
  for (const link of document.querySelectorAll('a[data-match="/likes_player"]')) link.setAttribute('href', href);
}

async function render({ focus = false } = {}) {
  const token = ++renderToken;
  const moved = renamed(location.pathname, location.search);
  if (moved) history.replaceState(history.state, '', moved + location.hash);
  const { pathname } = location;
  if (cleanup) {
    try { cleanup(); } catch (error) { console.error('page cleanup failed', error); }
    cleanup = null;
  }
  markCurrentNav(pathname);
  const found = match(pathname);
  document.body.dataset.route = found ? (found.route.route || found.route.key) : 'none';
  if (!found) {
    document.title = 'Not found · Spool';
    setChildren(main, h('section', { class: 'page' },
      h('h1', {}, 'Page not found'),
      h('p', {}, 'There is nothing at ', h('code', {}, pathname), '. ', h('a', { href: '/' }, 'Go to the overview'), '.')));
    return;
  }
  document.title = `${found.route.title} · Spool`;
  let module;
  try {
    module = await found.route.load(importAttempt);
  } catch (error) {
    console.warn(`The ${found.route.title} page could not be loaded`, error);
    if (token !== renderToken) return;
    failedRoute = true;
    importAttempt += 1;
    setChildren(main, h('section', { class: 'page' }, h('h1', {}, found.route.title),
      h('p', { class: 'placeholder' }, 'This page could not be loaded. It loads by itself when Spool is reachable again.')));
    notify(`Spool cannot be reached right now, so the ${found.route.title} page could not load. It loads by itself when Spool is back.`, { kind: 'error', key: 'network' });
    return;
  }
  if (token !== renderToken) return; // a newer navigation won the race
  failedRoute = false;
  setChildren(main);
  main.scrollTop = 0;
  cleanup = module.mount(main, found.params, { route: found.route.key }) || null;
  if (location.hash && showTarget()) return;
  if (focus) {
    // Move focus to the new page's heading so keyboard and screen-reader users land there.
    const heading = main.querySelector('h1');
    (heading || main).setAttribute('tabindex', '-1');
    (heading || main).focus({ preventScroll: true });
  }
}

/** A link to a part of a page (/sources/7#skipped): scroll there and put focus on it. */
function showTarget() {
  let target = null;
  try { target = main.querySelector(`#${CSS.escape(decodeURIComponent(location.hash.slice(1)))}`); } catch { return false; }
  if (!target) return false;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.scrollIntoView({ block: 'start' });
  target.focus({ preventScroll: true });
  return true;
}
let failedRoute = false;

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search + location.hash) return;
  if (replace) history.replaceState({}, '', path); else history.pushState({}, '', path);
  render({ focus: true });
}

// The skip link moves focus to the page itself (the router must not treat "#main" as a page).
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  const target = main.querySelector('h1') || main;
  target.setAttribute('tabindex', '-1');
  target.focus();
});

// Same-origin links to app pages are routed in place; API, media, in-page and new-tab clicks are not.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  if (link.getAttribute('href').startsWith('#')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || /^\/(api|media|ws|metrics|login)(\/|$)/.test(url.pathname)) return;
  if (!match(url.pathname) && !match(renamed(url.pathname, '') || url.pathname)) return;
  event.preventDefault();
  if (url.hash && url.pathname + url.search === location.pathname + location.search) {
    history.replaceState(history.state, '', url.hash);
    showTarget();
    return;
  }
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => render({ focus: true }));

// AUTH_TOKEN support: a 401 means the sign-in cookie is missing or stale (the server was given
// a new token): go to the login page, which comes back here afterwards.
window.addEventListener('spool:api-error', (event) => {
  if (event.detail.status !== 401) return;
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
});

// Back after an outage: the "cannot be reached" notice no longer applies, and a page whose code
// failed to load loads now. (Pages refetch their own data: see each page's `open` handler.)
live.on('open', async () => {
  closeNotice('network');
  // The server's lists came late (it was down at start-up): the page re-renders with them.
  if (!meta.isLoaded() && await meta.load() && !failedRoute) { render(); return; }
  if (failedRoute) render();
});

fillIcons();
player.init(document.getElementById('player-root'));
player.subscribe((what) => { if (what === 'queue' || what === 'track') syncLikesLinks(); });
live.connect();
// Who is signed in decides what the shell shows (a listener has no brake banner, no admin tabs).
const signedIn = session.load();
signedIn.then(() => ratelimit.init());
// The server's lists first (statuses, error classes), so no page renders without them; a
// server that is down does not hold the page up (meta.load resolves false at once).
Promise.all([meta.load(), signedIn]).then(() => render()).then(() => {
  setTimeout(() => { for (const route of routes) route.load().catch(() => {}); }, 1000);
});
