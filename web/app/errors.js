// Plain language: the one place that turns what went wrong into what the user reads — a
// sentence, what they can do about it, and the raw text folded under "Details".
//
// The server owns the words (it classifies every failure by cause): a job's `last_error` is
// already a plain sentence, `error_class` names the class whose remedy `GET /api/meta` gives,
// and `error_detail` is the tool's own line. This module only puts them together, the same way
// on every page, and words the failures of requests (the network, a busy server).
import { ERROR_CLASSES } from './meta.js';
import { h } from './ui.js';

/** {summary, remedy, details, errorClass} from a sentence, a class and the raw detail. */
export function explain({ errorClass = null, message = '', detail = '' } = {}) {
  const known = ERROR_CLASSES[errorClass] || null;
  return {
    summary: String(message || '').trim() || (known && known.summary) || 'Something went wrong.',
    remedy: (known && known.remedy) || '',
    details: String(detail || '').trim(),
    errorClass,
  };
}

/** A job's problem, or null when it has none. */
export function explainJob(job) {
  if (!job || (!job.last_error && !job.error_class)) return null;
  return explain({ errorClass: job.error_class, message: job.last_error, detail: job.error_detail });
}

/** A channel whose last listing failed (its `last_error` is the server's sentence). */
export function explainChannel(channel) {
  if (!channel || !channel.last_error) return null;
  return {
    summary: channel.last_error,
    remedy: 'Check that the URL opens a channel or playlist in a browser, then press Sync now.',
    details: '',
    errorClass: null,
  };
}

/** The sentence shown for a failed request (ApiError or anything thrown). */
export function requestMessage(error) {
  if (!error) return 'Something went wrong.';
  if (error.code === 'network') return 'Spool cannot be reached right now. The page reconnects by itself when it is back.';
  if (error.status >= 500 && !error.message) return 'Spool could not do that right now. Try again in a moment.';
  return error.message || String(error);
}

/**
 * The summary and remedy as elements, with the raw text folded under "Details".
 * `testid` names the block (e.g. job-error-17); the raw text is `<testid>-details`.
 */
export function problemView(problem, testid, { compact = false } = {}) {
  if (!problem) return null;
  return h('div', { class: `problem${compact ? ' problem-compact' : ''}`, dataset: { testid, errorClass: problem.errorClass || null } },
    h('p', { class: 'problem-summary' }, problem.summary),
    problem.remedy ? h('p', { class: 'problem-remedy' }, problem.remedy) : null,
    problem.details ? h('details', { class: 'problem-details' },
      h('summary', {}, 'Details'),
      h('pre', { dataset: { testid: `${testid}-details` } }, problem.details)) : null);
}
