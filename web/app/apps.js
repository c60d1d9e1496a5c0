// My account's parts that take the library into other apps (issue 18): the Subsonic password
// music apps sign in with, and the feed keys podcast apps subscribe with. Both secrets are
// shown once, when they are made (the server keeps the password sealed and a key's digest
// only), so the page shows what to type into an app right then, with a Copy button each.
import { del, get, pager, post } from './api.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import { notify, notifyError } from './notices.js';
import { confirmDialog, h, placeholder, setChildren, timeEl, withBusy } from './ui.js';

/** One API key in a list: its label, when it was made and last used, and Revoke (confirmed). */
export function keyItem(key, onRevoked) {
  return h('li', { dataset: { testid: `key-${key.id}` } },
    h('span', {}, h('strong', {}, key.label), ' · made ', timeEl(key.created_at), ' · ',
      key.last_used_at ? ['last used ', timeEl(key.last_used_at)] : 'never used'),
    h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { testid: `key-revoke-${key.id}` },
      onclick: (event) => withBusy(event.currentTarget, async () => {
        if (!await confirmDialog({ title: `Revoke “${key.label}”?`, body: ['Whatever uses it stops working at once.'], confirmLabel: 'Revoke', danger: true })) return;
        try { await del(`/api/me/keys/${key.id}`); } catch (error) { notifyError(error, 'The key could not be revoked'); }
        onRevoked();
      }) }, 'Revoke'));
}

/**
 * A value to type or paste into another app: a labelled read-only field (selected whole when
 * focused) and a Copy button. The clipboard API exists only in secure contexts (https, or
 * localhost), and Spool is often reached over plain http on the home network, so the fallback
 * copies the selection.
 */
function copyable(label, value, testid) {
  const id = `copy-${testid}`;
  const input = h('input', { id, type: 'text', readOnly: true, value, spellcheck: 'false', dataset: { testid }, onfocus: (event) => event.currentTarget.select() });
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('div', { class: 'inline-form' }, input,
      h('button', { type: 'button', class: 'btn', 'aria-label': `Copy ${label.toLowerCase()}`, dataset: { testid: `${testid}-copy` },
        onclick: () => copy(input, label) }, 'Copy')));
}

async function copy(input, label) {
  input.focus();
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    if (!document.execCommand('copy')) {
      notify(`The ${label.toLowerCase()} is selected: copy it with Ctrl+C or ⌘C.`);
      return;
    }
  }
  notify(`${label} copied.`, { kind: 'success' });
}

/**
 * "Music apps": the server address and user name to type into a Subsonic app, and the
 * Subsonic password: made, replaced (which signs the old one's apps out, so it asks first) or
 * removed. A refusal (a server without its key file answers 503) is shown under the buttons.
 */
export function musicAppsCard() {
  const errors = new Form('subsonic');
  const status = h('p', { dataset: { testid: 'subsonic-status' } }, 'Loading…');
  const shown = h('div', { class: 'shown-secret app-fields', role: 'status', dataset: { testid: 'subsonic-new-password' } });
  const username = h('div', {}, copyable('User name', '', 'subsonic-username'));
  let exists = false;
  const make = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'subsonic-make' },
    onclick: (event) => withBusy(event.currentTarget, makePassword) }, 'Make a password');
  const remove = h('button', { type: 'button', class: 'btn btn-danger', hidden: true, dataset: { testid: 'subsonic-remove' },
    onclick: (event) => withBusy(event.currentTarget, removePassword) }, 'Remove it');

  const card = h('section', { class: 'card', 'aria-labelledby': 'subsonic-title', dataset: { testid: 'subsonic-card' } },
    h('h2', { id: 'subsonic-title' }, 'Music apps'),
    h('p', { class: 'small muted' }, 'Subsonic and OpenSubsonic apps (Symfonium, DSub, Ultrasonic, Tempo, Amperfy, Feishin, Supersonic, Strawberry…) sign in with these three. ',
      'The password is made by Spool and is never your account password; apps that take an API key can use one of your API keys instead.'),
    h('div', { class: 'app-fields' },
      copyable('Server address', location.origin, 'subsonic-server'),
      username, status,
      h('div', { class: 'inline-form' }, make, remove),
      errors.general),
    shown);

  function showState(state) {
    exists = state.exists;
    setChildren(username, copyable('User name', state.username, 'subsonic-username'));
    setChildren(status, exists
      ? 'You have a Subsonic password. It was shown once, when it was made; a new one replaces it and signs out the apps that use the old one.'
      : 'You have no Subsonic password yet.');
    make.textContent = exists ? 'Make a new password' : 'Make a password';
    remove.hidden = !exists;
  }

  async function load() {
    try { showState(await get('/api/me/subsonic-password')); } catch (error) { errors.report(error); }
  }

  async function makePassword() {
    errors.clearErrors();
    if (exists && !await confirmDialog({ title: 'Make a new Subsonic password?', body: ['Apps signed in with the old one stop working until you type the new one in.'], confirmLabel: 'Make a new one', danger: true })) return;
    try {
      const made = await post('/api/me/subsonic-password');
      setChildren(shown, h('p', {}, 'Type or paste it into the app now; it is not shown again:'),
        copyable('Password', made.password, 'subsonic-password-value'));
      showState({ username: made.username, exists: true });
    } catch (error) { errors.report(error); }
  }

  async function removePassword() {
    errors.clearErrors();
    if (!await confirmDialog({ title: 'Remove the Subsonic password?', body: ['Apps signed in with it stop working; API keys keep working.'], confirmLabel: 'Remove', danger: true })) return;
    try {
      await del('/api/me/subsonic-password');
      setChildren(shown);
      await load();
    } catch (error) { errors.report(error); }
  }

  load();
  return card;
}

/**
 * "Podcast feeds": podcast apps cannot sign in, so each feed URL carries a key that opens
 * nothing but this user's feeds. Making one shows its URLs (Likes, the OPML of every source,
 * and each source's feed on request); the list below holds the feed keys, each revocable,
 * which turns every URL made with it into a 404. `onChange` reloads the page's key lists.
 */
export function podcastFeedsCard(onChange) {
  const form = new Form('feeds');
  const shown = h('div', { class: 'shown-secret app-fields', role: 'status', dataset: { testid: 'feeds-new' } });
  const keys = h('ul', { class: 'plain-list app-fields', dataset: { testid: 'feeds-keys' } }, placeholder('Loading…', 'li'));
  const formEl = h('form', { class: 'form app-fields', dataset: { testid: 'feeds-form' }, onsubmit: (event) => { event.preventDefault(); create(event.submitter); } },
    form.field('label', { label: 'New feed key for', value: 'Podcasts', required: true, hint: 'The app or device the feeds are for, so you know which key to revoke.' }),
    form.general,
    h('button', { type: 'submit', class: 'btn', dataset: { testid: 'feeds-create' } }, icon('plus', 18), 'Make feed key'));

  const card = h('section', { class: 'card', 'aria-labelledby': 'feeds-title', dataset: { testid: 'feeds-card' } },
    h('h2', { id: 'feeds-title' }, 'Podcast feeds'),
    h('p', { class: 'small muted' }, 'For podcast apps (AntennaPod, Pocket Casts, gPodder, Apple Podcasts…): your Likes and every source as a feed. ',
      'The key in the feed URLs opens these feeds and nothing else; the URLs are shown once, when the key is made.'),
    formEl, shown, keys);

  async function create(button) {
    await withBusy(button, async () => {
      form.clearErrors();
      try {
        const key = await post('/api/me/keys', { label: form.value('label'), scope: 'feeds' });
        showFeeds(key.key);
        onChange();
      } catch (error) { form.report(error); }
    });
  }

  function showFeeds(secret) {
    const base = `${location.origin}/feeds/${encodeURIComponent(secret)}`;
    const perSource = h('div', { class: 'app-fields', dataset: { testid: 'feeds-sources' } }, placeholder('Loading…'));
    const more = h('details', { class: 'feed-sources' }, h('summary', {}, 'One feed per source'), perSource);
    more.addEventListener('toggle', () => { if (more.open && !perSource.dataset.loaded) loadSources(perSource, base); });
    setChildren(shown, h('p', {}, 'Subscribe now; these URLs are not shown again (make another key to see new ones):'),
      copyable('Your Likes', `${base}/likes.xml`, 'feeds-likes-url'),
      copyable('Every source, for “Import OPML”', `${base}/sources.opml`, 'feeds-opml-url'),
      more);
  }

  /**
   * The feed of each source, 50 at a time: the list is read when its section opens and grows
   * with "Show more" (500 sources were 500 copy fields at once).
   */
  function loadSources(container, base) {
    container.dataset.loaded = 'true';
    const pages = pager('/api/sources', 'sources', {}, { limit: 50 });
    const showMore = h('button', {
      type: 'button', class: 'btn btn-small', dataset: { testid: 'feeds-sources-more' },
      onclick: (event) => withBusy(event.currentTarget, next),
    }, 'Show more sources');
    let shown = 0;
    async function next() {
      try {
        const sources = await pages.next();
        if (!shown) setChildren(container, sources.length ? [] : placeholder('No sources yet.'));
        shown += sources.length;
        showMore.remove();
        container.append(...sources.map((s) => copyable(s.title || s.url, `${base}/sources/${s.id}.xml`, `feeds-source-${s.id}-url`)));
        if (!pages.done) container.append(showMore);
      } catch (error) {
        if (!shown) delete container.dataset.loaded;
        notifyError(error, 'The sources could not be loaded');
      }
    }
    return next();
  }

  return {
    card,
    /** Shows the user's feed keys (the `feeds`-scoped ones of `GET /api/me/keys`). */
    showKeys(feedKeys) {
      setChildren(keys, feedKeys.length ? feedKeys.map((k) => keyItem(k, onChange)) : placeholder('No feed keys yet.', 'li'));
    },
  };
}
