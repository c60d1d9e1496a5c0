// /settings — what can change while Spool runs: download profiles (create, edit, make default,
// delete — the server says why not when a source still uses one), yt-dlp (version and the
// Update button), and where the rest lives: each source's rules on its own page, and the
// start-up settings in environment variables.
import { get, post, api, del } from './api.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import * as live from './live.js';
import { AUDIO_CODECS } from './meta.js';
import * as meta from './meta.js';
import { notify, notifyError } from './notices.js';
import { loadProfiles, describeProfile } from './profiles.js';
import { requestMessage } from './errors.js';
import { h, setChildren, withBusy, confirmDialog, timeEl, badge, placeholder, debounce } from './ui.js';
import { updateButton, onUpdate } from './ytdlp.js';

export function mount(root) {
  let profiles = [];
  let loadFailed = false;
  let editing = null; // the profile id being edited, 'new', or null
  const controller = new AbortController();

  const profileList = h('div', { class: 'profile-list', dataset: { testid: 'profile-list' } }, placeholder('Loading profiles…'));
  const editorSlot = h('div', { class: 'editor-slot' });
  const newButton = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'profile-new' }, onclick: () => openEditor(null) }, icon('plus', 18), 'New profile');
  const ytdlpFacts = h('div', { dataset: { testid: 'settings-ytdlp' } }, placeholder('Loading…'));

  root.append(h('section', { class: 'page page-settings' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Settings')),
    h('section', { class: 'card', id: 'profiles', 'aria-labelledby': 'profiles-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'profiles-title' }, 'Download profiles'), newButton),
      h('p', { class: 'small muted' }, 'A profile says what a source’s downloads keep: audio in a codec or video up to a height, tags and artwork, cookies, extra yt-dlp options. Each source has one; new sources get the default. A changed profile applies to future downloads (a source’s page offers to download its tracks again).'),
      editorSlot, profileList),
    h('section', { class: 'card', id: 'ytdlp', 'aria-labelledby': 'ytdlp-title' },
      h('h2', { id: 'ytdlp-title' }, 'yt-dlp'), ytdlpFacts),
    importCard(),
    h('section', { class: 'card', id: 'retention', 'aria-labelledby': 'retention-title' },
      h('h2', { id: 'retention-title' }, 'Retention'),
      h('ul', { class: 'plain-list', dataset: { testid: 'settings-retention' } },
        h('li', {}, 'Each source can keep only its newest tracks, remove old ones, or the ones you dislike or skip: set that on the ',
          h('a', { href: '/sources' }, 'source’s page'), '.'),
        h('li', { dataset: { testid: 'settings-trash' } }, 'Deleted tracks stay in the ', h('a', { href: '/library?view=trash' }, 'trash'),
          ' for ', h('code', {}, 'TRASH_RETENTION_DAYS'), ' days (30 unless set), then their files are deleted for good.'),
        h('li', {}, 'Finished jobs are pruned after ', h('code', {}, 'JOB_RETENTION_DAYS'), ' days (30 unless set).'))),
    h('section', { class: 'card', id: 'startup', 'aria-labelledby': 'startup-title' },
      h('h2', { id: 'startup-title' }, 'Start-up settings'),
      h('p', { dataset: { testid: 'settings-environment' } }, 'Everything else — folders, address and port, workers, sync intervals, the access token, cookies, the trash and job retention above — is set with environment variables (or a ',
        h('code', {}, '.env'), ' file) when Spool starts, and changes at the next start. ',
        h('code', {}, 'spool settings'), ' prints the values in use; the README’s Configuration table lists them all.'))));

  // ---- profiles ----
  function renderProfiles() {
    if (!profiles.length) { setChildren(profileList, placeholder('No profiles.')); return; }
    setChildren(profileList, profiles.map((p) => (editing === p.id ? null : renderProfile(p))));
  }

  function renderProfile(profile) {
    const id = profile.id;
    const error = h('div', { class: 'profile-error', dataset: { testid: `profile-error-${id}` } });
    return h('article', { class: 'profile', dataset: { testid: `profile-${id}`, profileId: id } },
      h('div', { class: 'profile-head' },
        h('h3', { dataset: { testid: `profile-name-${id}` } }, profile.name),
        h('div', { class: 'badges' },
          profile.is_default ? badge('default', `profile-default-${id}`) : null,
          profile.from_settings ? h('span', { class: 'badge badge-note', title: 'Its values come from AUDIO_FORMAT, YTDLP_FORMAT and YTDLP_EXTRA_ARGS until you edit it' }, 'from the environment') : null)),
      h('p', { class: 'small', dataset: { testid: `profile-summary-${id}` } }, describeProfile(profile)),
      profile.extra_args && profile.extra_args.length ? h('p', { class: 'small muted' }, 'Extra options: ', h('code', {}, profile.extra_args.join(' '))) : null,
      h('p', { class: 'small muted', dataset: { testid: `profile-sources-${id}` } },
        profile.sources ? [`Used by ${profile.sources} ${profile.sources === 1 ? 'source' : 'sources'}. `, h('a', { href: '/sources' }, 'Sources')] : 'No source uses it.'),
      error,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `profile-edit-${id}` }, onclick: () => openEditor(profile) }, 'Edit'),
        profile.is_default ? null : h('button', {
          type: 'button', class: 'btn btn-small', dataset: { testid: `profile-make-default-${id}` },
          onclick: (e) => withBusy(e.currentTarget, () => makeDefault(profile)),
        }, 'Make default'),
        profile.is_default ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-danger-outline', dataset: { testid: `profile-delete-${id}` },
          onclick: (e) => withBusy(e.currentTarget, () => remove(profile, error)),
        }, 'Delete')));
  }

  async function makeDefault(profile) {
    try {
      await api(`/api/profiles/${profile.id}`, { method: 'PATCH', body: { is_default: true } });
      notify(`${profile.name} is the default profile now: new sources get it.`, { kind: 'success', key: 'profile' });
      await load();
    } catch (err) {
      notifyError(err, 'Could not make it the default');
    }
  }

  async function remove(profile, errorSlot) {
    setChildren(errorSlot);
    const ok = await confirmDialog({
      title: `Delete the profile ${profile.name}?`, confirmLabel: 'Delete profile', danger: true, testid: 'delete-profile-dialog',
      body: h('p', {}, 'Sources keep what they downloaded with it.'),
    });
    if (!ok) return;
    try {
      await del(`/api/profiles/${profile.id}`);
      notify(`Deleted the profile ${profile.name}.`, { kind: 'success', key: 'profile' });
      await load();
    } catch (err) {
      // In use (409): the server's sentence says by how many sources, next to the profile.
      setChildren(errorSlot, h('p', { class: 'field-error', role: 'alert' }, requestMessage(err)));
      if (err.status !== 409) notifyError(err, 'Could not delete the profile');
    }
  }

  /** The editor for `profile`, or for a new one when null. */
  function openEditor(profile) {
    editing = profile ? profile.id : 'new';
    const form = new Form('profile');
    const p = profile || { media: 'audio', audio_codec: 'm4a', embed_metadata: true, embed_thumbnail: true, use_cookies: true, extra_args: [] };
    const codecs = (AUDIO_CODECS.length ? AUDIO_CODECS : ['best', 'm4a', 'mp3', 'opus']).map((c) => ({ value: c, label: c }));
    const audioOnly = h('div', { class: 'options-grid' },
      form.field('audio_codec', { label: 'Audio codec', kind: 'select', options: codecs, value: p.audio_codec || 'm4a', hint: 'best keeps what the site serves; the others convert with ffmpeg.' }),
      form.field('audio_quality', { label: 'Audio quality', value: p.audio_quality || '', placeholder: '0', hint: '0 (best) to 10, or a bitrate such as 192K. Empty: yt-dlp’s default.' }));
    const videoOnly = h('div', { class: 'options-grid' },
      form.field('max_height', { label: 'Highest resolution (pixels)', kind: 'number', min: 144, max: 4320, step: 1, inputmode: 'numeric', value: p.max_height ?? '', hint: 'e.g. 1080. Empty: the best there is.' }));
    const mediaField = form.field('media', { label: 'Keep', kind: 'select', value: p.media, options: [{ value: 'audio', label: 'Audio only' }, { value: 'video', label: 'Video' }] });
    const showMedia = () => {
      const video = form.value('media') === 'video';
      audioOnly.hidden = video;
      videoOnly.hidden = !video;
    };
    form.control('media').addEventListener('change', showMedia);
    const save = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'profile-save' } }, profile ? 'Save profile' : 'Create profile');
    const cancel = h('button', { type: 'button', class: 'btn', dataset: { testid: 'profile-cancel' }, onclick: closeEditor }, 'Cancel');
    const editor = h('form', {
      class: 'profile-editor', novalidate: true, 'aria-labelledby': 'profile-editor-title', dataset: { testid: 'profile-editor' },
      onsubmit: (e) => { e.preventDefault(); withBusy(save, () => submit(form, profile)); },
    },
    h('h3', { id: 'profile-editor-title' }, profile ? `Edit ${profile.name}` : 'New profile'),
    profile && profile.from_settings ? h('p', { class: 'hint', dataset: { testid: 'profile-from-settings' } },
      'This profile follows AUDIO_FORMAT, YTDLP_FORMAT and YTDLP_EXTRA_ARGS at every start. Once saved here, it keeps what you save instead.') : null,
    h('div', { class: 'options-grid' },
      form.field('name', { label: 'Name', value: p.name || '', required: true, placeholder: 'e.g. MP3 for the car' }),
      mediaField),
    audioOnly, videoOnly,
    form.field('output_template', {
      label: 'File names', value: p.output_template || meta.standardNameTemplate(), placeholder: meta.standardNameTemplate(),
      hint: `Folders and names in the library. Fields: ${meta.nameTemplateFields().map((f) => `{${f.name}}`).join(' ')} — e.g. {artist}/{album}/{track:02} {title} [{id}].{ext}. Existing files move only when you say so.`,
    }),
    h('div', { class: 'options-grid' },
      form.field('format', { label: 'Format (yt-dlp -f)', value: p.format || '', placeholder: 'bestaudio/best', hint: 'Empty: chosen from the choices above.' }),
      form.field('extra_args', { label: 'Extra yt-dlp options', kind: 'lines', value: p.extra_args || [], placeholder: '--sponsorblock-remove\nall', hint: 'One per line. Options that write elsewhere or run programs are refused.' })),
    h('div', { class: 'checks' },
      form.field('embed_metadata', { label: 'Embed tags (title, artist, date)', kind: 'checkbox', value: p.embed_metadata }),
      form.field('embed_thumbnail', { label: 'Embed the artwork', kind: 'checkbox', value: p.embed_thumbnail }),
      form.field('use_cookies', { label: 'Use the cookies file (COOKIES_FILE)', kind: 'checkbox', value: p.use_cookies }),
      profile && profile.is_default ? null : form.field('is_default', { label: 'Make it the default for new sources', kind: 'checkbox', value: false })),
    form.general,
    h('div', { class: 'actions' }, save, cancel));
    showMedia();
    setChildren(editorSlot, editor);
    renderProfiles();
    form.control('name').focus();
  }

  function closeEditor() {
    editing = null;
    setChildren(editorSlot);
    renderProfiles();
    newButton.focus();
  }

  async function submit(form, profile) {
    form.clearErrors();
    const body = {
      name: form.value('name'),
      media: form.value('media'),
      format: form.value('format'),
      embed_metadata: form.value('embed_metadata'),
      embed_thumbnail: form.value('embed_thumbnail'),
      use_cookies: form.value('use_cookies'),
      extra_args: form.value('extra_args'),
      output_template: form.value('output_template'),
    };
    if (body.media === 'audio') {
      body.audio_codec = form.value('audio_codec');
      if (form.value('audio_quality')) body.audio_quality = form.value('audio_quality');
    } else {
      const height = form.number('max_height');
      if (height !== null) body.max_height = height;
    }
    if (form.value('is_default')) body.is_default = true;
    try {
      const saved = profile
        ? await api(`/api/profiles/${profile.id}`, { method: 'PATCH', body })
        : await post('/api/profiles', body);
      notify(profile ? `Saved ${saved.name}.` : `Created ${saved.name}. Choose it on a source’s page or when adding one.`, { kind: 'success', key: 'profile' });
      editing = null;
      setChildren(editorSlot);
      await load();
      profileList.querySelector(`[data-profile-id="${saved.id}"]`)?.classList.add('flash');
      if (profile && profile.output_template !== saved.output_template) offerRenames(saved);
    } catch (err) {
      // A taken name is a conflict about the name: say it there.
      if (err.status === 409 && /named/.test(err.message)) { form.showError('name', err.message); form.control('name').focus(); }
      else form.report(err);
      if (err.status >= 500 || err.code === 'network') notifyError(err, 'Could not save the profile');
    }
  }

  /**
   * Adopting an existing library (`POST /api/library/import`): a folder inside LIBRARY_DIR is
   * adopted in place, any other folder is moved in by the profiles' templates. The job's report
   * (adopted, already known, unreadable with reasons, sources created) shows when it ends.
   */
  function importCard() {
    const form = new Form('import');
    const report = h('div', { class: 'import-report', role: 'status', dataset: { testid: 'import-report' } });
    const start = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'import-start' } }, 'Import');
    const formEl = h('form', { class: 'form', dataset: { testid: 'import-form' }, onsubmit: (event) => { event.preventDefault(); withBusy(start, run); } },
      form.field('path', { label: 'Folder on the server', required: true, placeholder: '/srv/music/youtube',
        hint: 'Media files are recognised by their content; the video id comes from [id] in the name, a .info.json, a yt-dlp archive or the tags. Files already known are skipped.' }),
      form.field('move', { label: 'Move the files into the library (named by the profiles’ templates)', kind: 'checkbox', value: false,
        hint: 'Without it, only a folder inside the library is adopted, in place; nothing is moved or changed.' }),
      form.general, h('div', { class: 'actions' }, start), report);

    async function run() {
      form.clearErrors();
      setChildren(report);
      let job;
      try {
        job = await post('/api/library/import', { path: form.value('path'), move: form.value('move') });
      } catch (error) { form.report(error); return; }
      setChildren(report, h('p', {}, 'Importing… (job ', h('a', { href: '/jobs' }, `#${job.id}`), ')'));
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (controller.signal.aborted) return;
        const detail = await get(`/api/jobs/${job.id}`, null, { signal: controller.signal }).catch(() => null);
        if (!detail || !['completed', 'failed', 'cancelled', 'timeout', 'dead_letter'].includes(detail.status)) continue;
        const r = detail.report || {};
        setChildren(report,
          h('p', {}, `${detail.status === 'completed' ? 'Done' : `Ended: ${detail.status}`}: ${r.adopted ?? 0} adopted, ${r.already_known ?? 0} already known, ${r.unreadable_count ?? 0} unreadable, ${r.skipped_count ?? 0} skipped, ${(r.sources_created || []).length} sources created.`),
          [...(r.unreadable || []), ...(r.skipped || [])].length
            ? h('ul', { class: 'plain-list small' }, [...(r.unreadable || []), ...(r.skipped || [])].slice(0, 20).map((p) => h('li', {}, h('code', {}, p.path), ': ', p.reason)))
            : null);
        return;
      }
    }
    return h('section', { class: 'card', id: 'import', 'aria-labelledby': 'import-title' },
      h('h2', { id: 'import-title' }, 'Adopt an existing library'), formEl);
  }

  /** A changed name template moves nothing by itself: say how many files it concerns and offer the move. */
  async function offerRenames(profile) {
    let preview;
    try { preview = await get(`/api/profiles/${profile.id}/renames`); } catch (error) { notifyError(error, 'Could not check the file names'); return; }
    if (!preview.to_move) return;
    const example = preview.examples[0];
    notify(`${preview.to_move} of ${preview.tracks} files of “${profile.name}” have other names under the new template (e.g. ${example.from} → ${example.to}).`, {
      key: `renames-${profile.id}`, timeout: 60000,
      action: {
        label: 'Move them now', testid: `profile-renames-${profile.id}`,
        onClick: async () => {
          try {
            await post(`/api/profiles/${profile.id}/renames`);
            notify(`Moving the files of “${profile.name}”; follow it on the Jobs page.`, { kind: 'success', action: { label: 'Show job', onClick: () => { location.href = '/jobs'; } } });
          } catch (error) { notifyError(error, 'The move could not start'); }
        },
      },
    });
  }

  // ---- yt-dlp ----
  async function loadYtdlp() {
    const health = await get('/api/health', null, { signal: controller.signal });
    const yt = health.ytdlp || {};
    const last = (yt.update && yt.update.last) || null;
    const row = (label, value, testid) => [h('dt', {}, label), h('dd', { dataset: { testid } }, value ?? '—')];
    setChildren(ytdlpFacts,
      (yt.warnings || []).map((text) => h('p', { class: 'banner-inline', role: 'note' }, icon('warning', 18), h('span', {}, text))),
      h('dl', { class: 'facts' },
        row('Version', [yt.version || 'does not run', yt.path ? h('div', { class: 'small muted' }, yt.path) : null], 'settings-ytdlp-version'),
        row('JavaScript runtime', yt.js_runtime ? `${yt.js_runtime.name} ${yt.js_runtime.version || ''}` : 'none'),
        row('Updates', [yt.update && yt.update.channel ? `channel ${yt.update.channel} (YTDLP_UPDATE)` : '—', ' ', updateButton(yt, () => loadYtdlp().catch(() => {}))], 'settings-ytdlp-updates'),
        row('Last update', last ? [last.message || last.result, ' · ', timeEl(last.at)] : '—', 'settings-ytdlp-last')));
  }

  async function load() {
    try {
      profiles = await loadProfiles({ signal: controller.signal });
      loadFailed = false;
      renderProfiles();
    } catch (err) {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      if (!profiles.length) setChildren(profileList, placeholder('Profiles could not be loaded. This page retries by itself when Spool is reachable again.'));
      notifyError(err, 'Could not load the profiles');
    }
  }

  async function loadAll() {
    await Promise.all([load(), loadYtdlp().catch((err) => {
      if (err.name === 'AbortError') return;
      loadFailed = true;
      setChildren(ytdlpFacts, placeholder('The yt-dlp status could not be loaded.'));
    })]);
  }

  const offUpdate = onUpdate(() => loadYtdlp().catch(() => {}));
  // A profile's "used by" count moves when a source is added, removed or given another
  // profile; a sync sends many updates, so one refetch per burst.
  const loadSoon = debounce(() => { if (!editing) load(); }, 1000, 5000);
  const off = live.onMany({
    'source.updated': loadSoon,
    'source.deleted': loadSoon,
    reset: loadAll,
    open: () => { if (loadFailed) loadAll(); },
  });
  loadAll();

  return () => {
    controller.abort();
    loadSoon.cancel();
    off();
    offUpdate();
  };
}
