// Download profiles as the pages show them: the list from `GET /api/profiles`, a profile in one
// line ("Audio · mp3 · 192K · thumbnail embedded"), and the choices of a profile select.
import { get } from './api.js';

/** The profiles, default first then by name. */
export async function loadProfiles(options = {}) {
  const data = await get('/api/profiles', null, options);
  return ((data && data.profiles) || []).slice().sort((a, b) => (b.is_default - a.is_default) || a.name.localeCompare(b.name));
}

/** What a profile keeps, in one line. */
export function describeProfile(profile) {
  if (!profile) return '';
  const parts = [];
  if (profile.media === 'video') parts.push(profile.max_height ? `Video up to ${profile.max_height}p` : 'Video, best quality');
  else parts.push(`Audio · ${profile.audio_codec || 'best'}${profile.audio_quality ? ` · quality ${profile.audio_quality}` : ''}`);
  if (profile.format) parts.push(`format ${profile.format}`);
  const embeds = [profile.embed_metadata && 'tags', profile.embed_thumbnail && 'artwork'].filter(Boolean);
  parts.push(embeds.length ? `embeds ${embeds.join(' and ')}` : 'embeds nothing');
  if (!profile.use_cookies) parts.push('no cookies');
  if (profile.extra_args && profile.extra_args.length) parts.push(`${profile.extra_args.length} extra option${profile.extra_args.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** `[{value, label}]` for a select: "Default (default)". */
export function profileChoices(profiles) {
  return profiles.map((p) => ({ value: p.id, label: p.is_default ? `${p.name} (default)` : p.name }));
}
