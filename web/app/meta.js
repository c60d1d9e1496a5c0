// The server's vocabulary in one place: job statuses and the sets the server acts on, error
// classes, channel states. Every page reads them from here, never from its own copy.
//
// These are the server's lists as of docs/api/openapi.yaml and Sources/SpoolStore/Schema/
// JobStatus.swift (the earlier copy in jobs.js lacked `zombie` in Cancel, which the server
// allows). When `GET /api/meta` exists, `load()` replaces them with the server's own answer;
// until then the module keeps these and asks nothing.

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout', 'retrying', 'dead_letter', 'zombie'];

export const STATUS_SETS = {
  active: ['pending', 'running', 'retrying', 'zombie'],
  terminal: ['completed', 'failed', 'cancelled', 'timeout', 'dead_letter'],
  retryable: ['failed', 'cancelled', 'timeout', 'dead_letter', 'zombie'],
  cancellable: ['pending', 'running', 'retrying', 'zombie'],
};

export const CHANNEL_STATES = ['idle', 'syncing', 'error'];

/** `{class: {summary, remedy}}` from the server once it publishes them (see errors.js). */
export const serverErrorClasses = {};

/** The dashboard's grouping of statuses: what runs, what needs the user, what waits, what is done. */
export const JOB_GROUPS = [
  { key: 'running', title: 'Now downloading', statuses: ['running'] },
  { key: 'attention', title: 'Needs attention', statuses: ['failed', 'dead_letter', 'timeout', 'zombie'] },
  { key: 'waiting', title: 'Waiting', statuses: ['pending', 'retrying'] },
  { key: 'finished', title: 'Finished', statuses: ['completed', 'cancelled'] },
];

export const isRetryable = (status) => STATUS_SETS.retryable.includes(status);
export const isCancellable = (status) => STATUS_SETS.cancellable.includes(status);

/** Human label of a status: dead_letter → "dead letter". */
export const statusLabel = (status) => String(status || '').replace(/_/g, ' ');

/**
 * Adopts a `GET /api/meta` reply (`{job_statuses, job_status_sets, error_classes, channel_states}`).
 * Exported so main.js can call it once the endpoint is on the server.
 */
export function adopt(meta) {
  if (!meta) return;
  if (Array.isArray(meta.job_statuses) && meta.job_statuses.length) JOB_STATUSES.splice(0, JOB_STATUSES.length, ...meta.job_statuses);
  for (const [name, list] of Object.entries(meta.job_status_sets || {})) {
    if (Array.isArray(list)) STATUS_SETS[name] = list;
  }
  if (Array.isArray(meta.channel_states)) CHANNEL_STATES.splice(0, CHANNEL_STATES.length, ...meta.channel_states);
  Object.assign(serverErrorClasses, meta.error_classes || {});
}
