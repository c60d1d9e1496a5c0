// Plain language: the one place that turns what went wrong into what the user reads — a
// sentence, what they can do about it, and the raw text folded under "Details".
//
// The server owns the words (it classifies every failure by cause): a job's `last_error` is
// already a plain sentence, `error_class` names the class whose remedy `GET /api/meta` gives,
// and `error_detail` is the tool's own line. This module only puts them together, the same way
// on every page, and words the failures of requests (the network, a busy server) and which
// field of a form a refused request is about.
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

/**
 * A source whose last sync failed: the server's sentence, the remedy of its error class, and
 * the raw line under "Details". A problem without a class (a cancelled sync) gets the one
 * thing that always applies.
 */
export function explainSource(source) {
  if (!source || !source.last_error) return null;
  const problem = explain({ errorClass: source.last_error_class || null, message: source.last_error, detail: source.last_error_detail });
  if (!problem.remedy) problem.remedy = 'Check that the URL opens in a browser, then press Sync now.';
  return problem;
}

/**
 * The field a refused request names, e.g. "filters.title_include" for
 * `'filters.title_include': '(' is not a valid regular expression.` (the server starts every
 * `invalid_field` message with the field in quotes, and names it in `invalid_json` messages
 * too), or null when the error is not about one field.
 */
export function fieldOf(error) {
  if (!error || !['invalid_field', 'invalid_json'].includes(error.code)) return null;
  const found = String(error.message || '').match(/'([a-z][a-z0-9_]*(?:\.[a-z0-9_]+|\[\d+\])*)'/);
  return found ? found[1].replace(/\[\d+\]$/, '') : null;
}

/**
 * A refused request's message as {summary, details}: the server puts the raw line of the tool
 * behind a plain sentence in parentheses (`Listing the URL failed: … (ERROR: [generic] …)`,
 * see POST /api/sources/preview), and the raw line belongs under "Details".
 */
export function splitDetail(message) {
  const text = String(message || '');
  const at = text.indexOf('. (');
  if (at < 0 || !text.endsWith(')')) return { summary: text, details: '' };
  return { summary: text.slice(0, at + 1), details: text.slice(at + 3, -1) };
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
