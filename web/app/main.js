// Entry point: History API router, navigation state, and the app-wide pieces
// (live connection, rate-limit banner, auth prompt).
import { h, setChildren } from './ui.js';
import { notify } from './notices.js';
import * as live from './live.js';
import * as ratelimit from './ratelimit.js';

// Pages load lazily so the player does not pay for the dashboard's code and vice versa.
const routes = [
  { pattern: /^\/$/, title: 'Overview', load: () => import('./overview.js') },
  { pattern: /^\/library\/?$/, title: 'Library', load: () => import('./library.js') },
  { pattern: /^\/likes_player(?:\/(\d+))?\/?$/, title: 'Likes player', load: () => import('./player.js') },
  { pattern: /^\/channels\/?$/, title: 'Channels', load: () => import('./channels.js') },
  { pattern: /^\/jobs\/?$/, title: 'Jobs', load: () => import('./jobs.js') },
  { pattern: /^\/health\/?$/, title: 'Health', load: () => import('./health.js') },
];

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
  for (const link of document.querySelectorAll('.mainnav a')) {
    const target = link.dataset.match || link.getAttribute('href');
    const current = target === '/' ? pathname === '/' : pathname === target || pathname.startsWith(`${target}/`);
    if (current) {
      link.setAttribute('aria-current', 'page');
      // On a phone the nav scrolls sideways: keep the current page's link in view.
      const nav = link.closest('.mainnav');
      const left = link.offsetLeft - nav.offsetLeft;
      if (left < nav.scrollLeft || left + link.offsetWidth > nav.scrollLeft + nav.clientWidth) {
        nav.scrollLeft = left - (nav.clientWidth - link.offsetWidth) / 2;
      }
    } else {
      link.removeAttribute('aria-current');
    }
  }
}

async function render({ focus = false } = {}) {
  const token = ++renderToken;
  const { pathname } = location;
  if (cleanup) {
    try { cleanup(); } catch (error) { console.error('page cleanup failed', error); }
    cleanup = null;
  }
  markCurrentNav(pathname);
  const found = match(pathname);
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
    module = await found.route.load();
  } catch (error) {
    console.error(error);
    setChildren(main, h('p', { class: 'placeholder' }, 'This page failed to load. Reload to try again.'));
    notify(`Could not load the ${found.route.title} page: ${error.message}`, { kind: 'error' });
    return;
  }
  if (token !== renderToken) return; // a newer navigation won the race
  setChildren(main);
  cleanup = module.mount(main, found.params) || null;
  if (focus) {
    // Move focus to the new page's heading so keyboard and screen-reader users land there.
    const heading = main.querySelector('h1');
    (heading || main).setAttribute('tabindex', '-1');
    (heading || main).focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState({}, '', path); else history.pushState({}, '', path);
  render({ focus: true });
}

// Same-origin links to app pages are routed in place; API, media and new-tab clicks are not.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || /^\/(api|media|ws|metrics)(\/|$)/.test(url.pathname)) return;
  if (!match(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render({ focus: true }));

// AUTH_TOKEN support: a 401 means the sign-in cookie is missing or stale (the server was given
// a new token): go to the login page, which comes back here afterwards.
window.addEventListener('spool:api-error', (event) => {
  if (event.detail.status !== 401) return;
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
});

live.connect();
ratelimit.init();
render();
