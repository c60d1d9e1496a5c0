// /users — the household's accounts, for admins: who exists with which role, adding one (a
// listener by default), changing a role, resetting a password (which signs that user out
// everywhere) and removing an account (its likes and history go with it; the files stay).
// The server refuses what would leave Spool without an admin, and says so.
import { api, get, post, del } from './api.js';
import { Form } from './forms.js';
import { icon } from './icons.js';
import { notify, notifyError } from './notices.js';
import { current } from './session.js';
import { h, setChildren, withBusy, timeEl, placeholder, confirmDialog } from './ui.js';

const ROLES = [{ value: 'listener', label: 'Listener: plays, likes, hides tracks for themselves' }, { value: 'admin', label: 'Admin: also sources, jobs, settings, users, the trash' }];

export function mount(root) {
  const list = h('ul', { class: 'plain-list user-list', dataset: { testid: 'user-list' } }, placeholder('Loading…', 'li'));
  const form = new Form('user');
  const addForm = h('form', { class: 'form', dataset: { testid: 'user-form' }, onsubmit: (event) => { event.preventDefault(); add(event.submitter); } },
    form.field('name', { label: 'Name', required: true, autocomplete: 'off' }),
    form.field('password', { label: 'Password', kind: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters; they can change it on their account page.' }),
    form.field('role', { label: 'Role', kind: 'select', value: 'listener', options: ROLES }),
    form.general,
    h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'user-add' } }, icon('plus', 18), 'Add account'));

  root.append(h('section', { class: 'page page-users' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Users')),
    h('p', { class: 'small muted' }, 'Everyone shares one library; each account keeps its own likes, history, resume positions and queue. A listener’s delete hides a track for them only; an admin’s moves it to the trash for everyone.'),
    h('section', { class: 'card', 'aria-labelledby': 'users-title' }, h('h2', { id: 'users-title' }, 'Accounts'), list),
    h('section', { class: 'card', 'aria-labelledby': 'add-title' }, h('h2', { id: 'add-title' }, 'Add an account'), addForm)));

  async function load() {
    try {
      const data = await get('/api/users');
      setChildren(list, data.users.map(renderUser));
    } catch (error) { notifyError(error, 'The accounts could not be loaded'); }
  }

  function renderUser(user) {
    const me = current();
    const role = h('select', { 'aria-label': `Role of ${user.name}`, dataset: { testid: `user-role-${user.id}` },
      onchange: async (event) => {
        const select = event.currentTarget;
        try {
          await api(`/api/users/${user.id}`, { method: 'PATCH', body: { role: select.value } });
          notify(`${user.name} is now ${select.value === 'admin' ? 'an admin' : 'a listener'}.`, { kind: 'success' });
        } catch (error) {
          select.value = user.role;
          notifyError(error, `The role of ${user.name} was not changed`);
        }
      } }, ROLES.map((r) => h('option', { value: r.value }, r.value)));
    role.value = user.role;
    return h('li', { dataset: { testid: `user-${user.id}` } },
      h('span', {}, h('strong', {}, user.name), me && me.id === user.id ? ' (you)' : '', ' · added ', timeEl(user.created_at),
        user.has_password ? '' : ' · no password yet'),
      role,
      h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: `user-reset-${user.id}` }, onclick: (event) => resetPassword(user, event.currentTarget) }, 'Reset password'),
      h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { testid: `user-remove-${user.id}` }, onclick: (event) => remove(user, event.currentTarget) }, 'Remove'));
  }

  async function add(button) {
    await withBusy(button, async () => {
      form.clearErrors();
      try {
        const user = await post('/api/users', { name: form.value('name'), password: form.value('password'), role: form.value('role') });
        form.set('name', '');
        form.set('password', '');
        notify(`Added ${user.name}.`, { kind: 'success' });
        load();
      } catch (error) { form.report(error); }
    });
  }

  async function resetPassword(user, button) {
    const password = window.prompt(`New password for ${user.name} (at least 8 characters). They are signed out everywhere.`);
    if (!password) return;
    await withBusy(button, async () => {
      try {
        await api(`/api/users/${user.id}`, { method: 'PATCH', body: { password } });
        notify(`The password of ${user.name} was reset.`, { kind: 'success' });
      } catch (error) { notifyError(error, `The password of ${user.name} was not reset`); }
    });
  }

  async function remove(user, button) {
    if (!await confirmDialog({ title: `Remove ${user.name}?`, body: ['Their likes, history, keys and sessions go with the account. The library’s files stay.'], confirmLabel: 'Remove', danger: true })) return;
    await withBusy(button, async () => {
      try {
        await del(`/api/users/${user.id}`);
        load();
      } catch (error) { notifyError(error, `${user.name} was not removed`); }
    });
  }

  load();
  return () => {};
}
