// A source's rules as form fields: which entries are downloaded (filters) and when tracks leave
// (retention). The add form and the source page show the same fields and send the same
// shapes; the server validates them (a bad pattern comes back naming `filters.title_exclude`,
// and forms.js puts that next to the field).
import { h } from './ui.js';

/** Filter fields (the API's `filters` object), in the order they are shown. */
const FILTERS = [
  { key: 'title_include', label: 'Title must match', hint: 'A regular expression, not case-sensitive, e.g. live|acoustic. Empty: every title.' },
  { key: 'title_exclude', label: 'Title must not match', hint: 'e.g. trailer|teaser|#shorts' },
  { key: 'min_duration', label: 'Shortest (seconds)', kind: 'number', min: 0, step: 1, inputmode: 'numeric', hint: 'e.g. 90 skips anything under 1:30.' },
  { key: 'max_duration', label: 'Longest (seconds)', kind: 'number', min: 0, step: 1, inputmode: 'numeric' },
  { key: 'uploaded_after', label: 'Published on or after', kind: 'date' },
  { key: 'max_items', label: 'Only the newest', kind: 'number', min: 1, step: 1, inputmode: 'numeric', hint: 'Entries of the listing; the older ones are skipped.' },
  { key: 'include_shorts', label: 'Include shorts', kind: 'checkbox', default: true, hint: 'Elsewhere than YouTube: entries of a minute or less.' },
  { key: 'include_livestreams', label: 'Include live streams and their recordings', kind: 'checkbox', default: true },
];

/** Retention fields (the API's `retention` object). */
const RETENTION = [
  { key: 'keep_newest', label: 'Keep at most the newest', kind: 'number', min: 1, step: 1, inputmode: 'numeric', hint: 'Tracks; older ones move to the trash.' },
  { key: 'max_age_days', label: 'Remove tracks older than (days)', kind: 'number', min: 1, step: 1, inputmode: 'numeric' },
  { key: 'remove_after_skips', label: 'Remove a track skipped this many times', kind: 'number', min: 1, step: 1, inputmode: 'numeric' },
  { key: 'remove_disliked', label: 'Remove tracks I dislike', kind: 'checkbox', default: false },
];

const build = (form, group, defs, current) => defs.map((def) => form.field(`${group}.${def.key}`, {
  ...def,
  value: current && current[def.key] !== undefined && current[def.key] !== null ? current[def.key] : (def.default ?? ''),
}));

/** The filter fields, filled from a source's `filters` (or empty). */
export function filterFields(form, filters) {
  return build(form, 'filters', FILTERS, filters);
}

/**
 * The retention fields. "Remove tracks I dislike" shows what the server applies: it defaults
 * to true once any rule is set, so a source with rules and no explicit value shows it ticked.
 */
export function retentionFields(form, retention) {
  const current = retention ? { remove_disliked: true, ...retention } : null;
  return [
    build(form, 'retention', RETENTION, current),
    h('p', { class: 'hint' }, 'A liked track never leaves. Removed tracks go to the trash (undo there) and are not downloaded again.'),
  ];
}

const read = (form, group, defs) => {
  const out = {};
  for (const def of defs) {
    const name = `${group}.${def.key}`;
    const value = def.kind === 'number' ? form.number(name) : form.value(name);
    if (value === '' || value === null || value === undefined) continue;
    if (def.kind === 'checkbox' && value === def.default) continue; // the default says nothing
    out[def.key] = value;
  }
  return out;
};

/** The API's `filters` from the form, or null when nothing filters. */
export function readFilters(form) {
  const filters = read(form, 'filters', FILTERS);
  return Object.keys(filters).length ? filters : null;
}

/**
 * The API's `retention` from the form, or null when no rule is set. "Remove tracks I dislike"
 * is sent as it is shown whenever any rule is set, so the server's default never decides.
 */
export function readRetention(form) {
  const retention = read(form, 'retention', RETENTION);
  const dislikes = form.value('retention.remove_disliked');
  if (!Object.keys(retention).length && !dislikes) return null;
  return { ...retention, remove_disliked: dislikes };
}

const sentence = (parts) => parts.join(' · ').replace(/^./, (c) => c.toUpperCase());

/** "Title does not match “trailer” · only the newest 50" — a source's filters in one line. */
export function describeFilters(filters) {
  if (!filters) return 'Every entry is downloaded.';
  const parts = [];
  if (filters.title_include) parts.push(`title matches “${filters.title_include}”`);
  if (filters.title_exclude) parts.push(`title does not match “${filters.title_exclude}”`);
  if (filters.min_duration) parts.push(`at least ${filters.min_duration} s`);
  if (filters.max_duration) parts.push(`at most ${filters.max_duration} s`);
  if (filters.uploaded_after) parts.push(`published on or after ${filters.uploaded_after}`);
  if (filters.max_items) parts.push(`only the newest ${filters.max_items}`);
  if (filters.include_shorts === false) parts.push('no shorts');
  if (filters.include_livestreams === false) parts.push('no live streams');
  return parts.length ? sentence(parts) : 'Every entry is downloaded.';
}

/** A source's retention in one line. */
export function describeRetention(retention) {
  if (!retention) return 'Tracks stay until you delete them.';
  const parts = [];
  if (retention.keep_newest) parts.push(`keeps the newest ${retention.keep_newest}`);
  if (retention.max_age_days) parts.push(`removes tracks older than ${retention.max_age_days} days`);
  if (retention.remove_disliked !== false) parts.push('removes disliked tracks');
  if (retention.remove_after_skips) parts.push(`removes tracks skipped ${retention.remove_after_skips} times`);
  return parts.length ? `${sentence(parts)} · never a liked one` : 'Tracks stay until you delete them.';
}
