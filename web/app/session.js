// Who is signed in: fetched once at start (`GET /api/me`), so the navigation shows a listener
// only what a listener may use and pages can word things for the role ("Hide" instead of
// "Delete"). The server checks every request anyway; this only keeps the UI honest.
import { get } from './api.js';

let me = null;

/** The signed-in user `{id, name, role}`, or null before `load()` finished. */
export function current() {
  return me;
}

export function isAdmin() {
  return !me || me.role === 'admin';
}

/** Loads the user; marks the document (`data-role`) so admin-only navigation hides for listeners. */
export async function load() {
  try {
    me = await get('/api/me');
  } catch {
    me = null;
  }
  document.body.dataset.role = me ? me.role : 'unknown';
  return me;
}
