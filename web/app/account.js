// /account — the signed-in user's own account: password, the browsers signed in as them
// (each can be signed out), music apps (the Subsonic password) and podcast feeds (feed keys),
// API keys for scripts and apps (a key is shown once, when it is made), and signing out.
import { get, post, put, del } from './api.js';
import { keyItem, musicAppsCard, podcastFeedsCard } from './apps.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import { notify, notifyError } from './notices.js';
import { current } from './session.js';
import { h, setChildren, withBusy, timeEl, placeholder } from './ui.js';

export function mount(root) {
  const me = current();
  const sessions = h('ul', { class: 'plain-list', dataset: { testid: 'account-sessions' } }, placeholder('Loading…', 'li'));
  const keys = h('ul', { class: 'plain-list', dataset: { testid: 'account-keys' } }, placeholder('Loading…', 'li'));
  const shownKey = h('div', { class: 'shown-secret', role: 'status', dataset: { testid: 'account-new-key' } });

  const password = new Form('password');
  const passwordForm = h('form', { class: 'form', dataset: { testid: 'password-form' }, onsubmit: (event) => { event.preventDefault(); changePassword(event.submitter); } },
    password.field('current', { label: 'Current password', kind: 'password', autocomplete: 'current-password', required: true }),
    password.field('new', { label: 'New password', kind: 'password', autocomplete: 'new-password', required: true, hint: 'At least 8 characters. Every other browser signed in as you is signed out.' }),
    password.general,
    h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'password-submit' } }, 'Change password'));

  const keyForm = new Form('key');
  const keyFormEl = h('form', { class: 'form inline-form', dataset: { testid: 'key-form' }, onsubmit: (event) => { event.preventDefault(); createKey(event.submitter); } },
    keyForm.field('label', { label: 'New key for', placeholder: 'Symfonium on my phone', required: true }),
    keyForm.general,
    h('button', { type: 'submit', class: 'btn', dataset: { testid: 'key-create' } }, icon('plus', 18), 'Create key'));
  const feeds = podcastFeedsCard(() => loadKeys());

  root.append(h('section', { class: 'page page-account' },
    h('header', { class: 'page-head' },
      h('h1', {}, 'My account'),
      h('button', { type: 'button', class: 'btn', dataset: { testid: 'sign-out' }, onclick: signOut }, 'Sign out')),
    h('p', { dataset: { testid: 'account-who' } }, me ? [`Signed in as `, h('strong', {}, me.name), ` (${me.role}).`] : ''),
    h('section', { class: 'card', 'aria-labelledby': 'password-title' }, h('h2', { id: 'password-title' }, 'Password'), passwordForm),
    h('section', { class: 'card', 'aria-labelledby': 'sessions-title' }, h('h2', { id: 'sessions-title' }, 'Signed-in browsers'), sessions),
    musicAppsCard(),
    feeds.card,
    h('section', { class: 'card', 'aria-labelledby': 'keys-title' },
      h('h2', { id: 'keys-title' }, 'API keys'),
      h('p', { class: 'small muted' }, 'For scripts (Authorization: Bearer <key>) and music apps that sign in with an API key. A key is shown once; revoking it stops it at once.'),
      keyFormEl, shownKey, keys)));

  async function loadSessions() {
    try {
      const data = await get('/api/me/sessions');
      setChildren(sessions, data.sessions.length ? data.sessions.map((s) => h('li', { dataset: { testid: `session-${s.id}` } },
        h('span', {}, s.user_agent || 'A browser', s.address ? ` · ${s.address}` : '', ' · last seen ', timeEl(s.last_seen_at), s.current ? ' · this browser' : ''),
        s.current ? null : h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `session-end-${s.id}` },
          onclick: (event) => withBusy(event.currentTarget, async () => { await del(`/api/me/sessions/${s.id}`); loadSessions(); }) }, 'Sign out'))) : placeholder('No sessions.', 'li'));
    } catch (error) { notifyError(error, 'The sessions could not be loaded'); }
  }

  async function loadKeys() {
    try {
      const data = await get('/api/me/keys');
      const full = data.keys.filter((k) => k.scope !== 'feeds');
      setChildren(keys, full.length ? full.map((k) => keyItem(k, loadKeys)) : placeholder('No keys yet.', 'li'));
      feeds.showKeys(data.keys.filter((k) => k.scope === 'feeds'));
    } catch (error) { notifyError(error, 'The keys could not be loaded'); }
  }

  async function changePassword(button) {
    await withBusy(button, async () => {
      password.clearErrors();
      try {
        await put('/api/me/password', { current: password.value('current'), new: password.value('new') });
        password.control('current').value = '';
        password.control('new').value = '';
        notify('Your password was changed; other browsers were signed out.', { kind: 'success' });
        loadSessions();
      } catch (error) {
        if (error.code === 'wrong_password') password.showError('current', 'That is not your current password.');
        else password.report(error);
      }
    });
  }

  async function createKey(button) {
    await withBusy(button, async () => {
      keyForm.clearErrors();
      try {
        const key = await post('/api/me/keys', { label: keyForm.value('label') });
        keyForm.control('label').value = '';
        setChildren(shownKey, h('p', {}, 'Copy the key now; it is not shown again:'),
          h('code', { class: 'secret', dataset: { testid: 'account-new-key-value' } }, key.key));
        loadKeys();
      } catch (error) { keyForm.report(error); }
    });
  }

  async function signOut() {
    try { await post('/api/logout'); } catch { /* signed out either way */ }
    location.assign('/login');
  }

  loadSessions();
  loadKeys();
  return () => {};
}
