// The server's vocabulary, from `GET /api/meta`: job statuses and the sets the server acts on,
// error classes with their plain-language summary and remedy, source states and kinds, the
// audio codecs a profile can take. Every page reads
// them from here; none keeps a copy (an earlier copy lacked `zombie` in Cancel, which hid the
// button where the server allows it).
//
// `load()` runs before the first page renders (main.js). Until it has answered (or while the
// server is down at start-up) the lists below hold the nine statuses without any set, so the
// pages show no action they cannot justify; they fill in as soon as the server answers.
import { get } from './api.js';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout', 'retrying', 'dead_letter', 'zombie'];

/** Status sets by name: active, terminal, retryable, cancellable, waiting, needs_attention. */
export const STATUS_SETS = {};

/** `{class: {summary, remedy}}`. */
export const ERROR_CLASSES = {};

export const SOURCE_STATES = [];

/** channel, playlist, video. */
export const SOURCE_KINDS = [];

/** What a profile's `audio_codec` may be (yt-dlp's --audio-format). */
export const AUDIO_CODECS = [];

/** The fields a profile's name template may use ({name, meaning}), and the standard template. */
const NAME_TEMPLATE_FIELDS = [];
let standardTemplate = '{source}/{title} [{id}].{ext}';
export const nameTemplateFields = () => NAME_TEMPLATE_FIELDS;
export const standardNameTemplate = () => standardTemplate;

let loaded = false;
export const isLoaded = () => loaded;

/** Fetches the lists once; resolves false (and keeps what it has) when the server is unreachable. */
export async function load() {
  if (loaded) return true;
  try {
    adopt(await get('/api/meta'));
    loaded = true;
    return true;
  } catch (error) {
    console.warn('The server lists (/api/meta) are not available yet', error);
    return false;
  }
}

function adopt(meta) {
  if (!meta) return;
  if (Array.isArray(meta.job_statuses) && meta.job_statuses.length) JOB_STATUSES.splice(0, JOB_STATUSES.length, ...meta.job_statuses);
  for (const [name, list] of Object.entries(meta.job_status_sets || {})) {
    if (Array.isArray(list)) STATUS_SETS[name] = list;
  }
  Object.assign(ERROR_CLASSES, meta.error_classes || {});
  if (Array.isArray(meta.name_template_fields)) NAME_TEMPLATE_FIELDS.splice(0, NAME_TEMPLATE_FIELDS.length, ...meta.name_template_fields);
  if (meta.standard_name_template) standardTemplate = meta.standard_name_template;
  for (const [list, values] of [[SOURCE_STATES, meta.source_states], [SOURCE_KINDS, meta.source_kinds], [AUDIO_CODECS, meta.audio_codecs]]) {
    if (Array.isArray(values)) list.splice(0, list.length, ...values);
  }
}

const inSet = (name, status) => (STATUS_SETS[name] || []).includes(status);
export const isRetryable = (status) => inSet('retryable', status);
export const isCancellable = (status) => inSet('cancellable', status);

/**
 * The dashboard's sections, from the server's sets: what runs, what needs the user, what waits
 * (every other active status, e.g. a zombie about to be recovered), and what is done.
 */
export function jobGroups() {
  const attention = STATUS_SETS.needs_attention || [];
  const waiting = [...(STATUS_SETS.waiting || []),
    ...(STATUS_SETS.active || []).filter((s) => s !== 'running' && !(STATUS_SETS.waiting || []).includes(s))];
  const placed = new Set(['running', ...attention, ...waiting]);
  return [
    { key: 'running', statuses: ['running'] },
    { key: 'attention', statuses: attention },
    { key: 'waiting', statuses: waiting },
    { key: 'finished', statuses: JOB_STATUSES.filter((s) => !placed.has(s)) },
  ];
}

/** Human label of a status or kind: dead_letter → "dead letter". */
export const statusLabel = (status) => String(status || '').replace(/_/g, ' ');
