// Plain language: the one mapping from what went wrong (a job's error class, the cause found
// in yt-dlp's text, a failed request) to a sentence a listener understands and what they can
// do about it. The raw text is never lost: it goes under "Details".
import { serverErrorClasses } from './meta.js';
import { h } from './ui.js';

/** By error class (the server's classification of a failed run). */
const CLASSES = {
  permanent: {
    summary: 'This video cannot be downloaded.',
    remedy: 'It was removed, made private or is blocked. Retry only if you know that changed.',
  },
  transient: {
    summary: 'A temporary network or site problem interrupted the download.',
    remedy: 'Spool retries by itself with growing pauses. Nothing to do unless it keeps failing.',
  },
  rate_limited: {
    summary: 'The site is limiting how fast Spool may download.',
    remedy: 'All downloads pause for a while and resume by themselves. Fewer WORKERS or a RATE_LIMIT make it rarer.',
  },
  timeout: {
    summary: 'The download took too long or stopped making progress.',
    remedy: 'Retry it. If it keeps happening, check the network or raise DOWNLOAD_STALL_SECONDS.',
  },
  cancelled: {
    summary: 'The download was cancelled.',
    remedy: 'Retry it to download it after all.',
  },
  crashed: {
    summary: 'The downloader stopped unexpectedly.',
    remedy: 'Retry it. If it happens again, update yt-dlp; the details show its last output.',
  },
  bot_check: {
    summary: 'YouTube asked Spool to prove it is not a bot.',
    remedy: 'Wait a few hours, or give Spool a cookies file from a signed-in browser (COOKIES_FILE), then retry.',
  },
  extractor_outdated: {
    summary: 'yt-dlp no longer understands this site.',
    remedy: 'Update yt-dlp (pip install -U yt-dlp in Spool’s .venv), then retry.',
  },
};

/**
 * By cause, recognised in yt-dlp's own words; more specific than the class, so checked first.
 * Order matters: the first match wins.
 */
const CAUSES = [
  [/confirm you.?re not a bot|not a robot/i, 'bot_check'],
  [/HTTP Error 429|Too Many Requests/i, 'rate_limited'],
  [/HTTP Error 404|404 Not Found/i, {
    summary: 'The video is gone from the site (404).',
    remedy: 'Nothing to do: it will not come back. Leave the job or cancel it.',
  }],
  [/HTTP Error 403|403 Forbidden/i, {
    summary: 'The site refused the download (403).',
    remedy: 'Often temporary or a regional block. Retry later; updating yt-dlp helps when it persists.',
  }],
  [/Private video/i, {
    summary: 'The video is private.',
    remedy: 'Only its owner can make it public again. Nothing to do here.',
  }],
  [/members[- ]only|Join this channel/i, {
    summary: 'Only the channel’s members can watch this video.',
    remedy: 'Give Spool a cookies file of a member’s account (COOKIES_FILE), then retry.',
  }],
  [/confirm your age|age[- ]restricted|inappropriate for some users/i, {
    summary: 'The video is age-restricted.',
    remedy: 'Give Spool a cookies file of a signed-in adult account (COOKIES_FILE), then retry.',
  }],
  [/Unsupported URL/i, {
    summary: 'yt-dlp cannot read this address.',
    remedy: 'Check the URL: a channel’s page (e.g. …/@name/videos) or a playlist works.',
  }],
  [/Unable to extract|please report this issue|Unable to parse/i, 'extractor_outdated'],
  [/(Video|This video is) unavailable|has been removed|account associated with this video has been terminated/i, {
    summary: 'The video is no longer available.',
    remedy: 'It was removed from the site. Nothing to do.',
  }],
  [/Name or service not known|Temporary failure in name resolution|Connection refused|Network is unreachable|timed out/i, {
    summary: 'Spool could not reach the site.',
    remedy: 'Check the server’s internet connection. Spool retries by itself.',
  }],
  [/No space left on device/i, {
    summary: 'The disk is full.',
    remedy: 'Free some space where the library lives (LIBRARY_DIR), then retry.',
  }],
  [/ffmpeg|ffprobe|Postprocessing/i, {
    summary: 'Converting the download to audio failed.',
    remedy: 'Check that ffmpeg is installed (or FFMPEG_PATH), then retry.',
  }],
];

const UNKNOWN = {
  summary: 'Something went wrong with this download.',
  remedy: 'Retry it. The details below show what yt-dlp said.',
};

function byClass(errorClass) {
  const server = serverErrorClasses[errorClass];
  if (server && server.summary) return { summary: server.summary, remedy: server.remedy || '' };
  return CLASSES[errorClass] || null;
}

/**
 * {summary, remedy, details, errorClass} for a failed job, a timeline event or a channel's
 * last error. `details` is the raw text (shown under "Details"), or '' when there is none.
 */
export function explain({ errorClass = null, message = '' } = {}) {
  const raw = String(message || '').trim();
  for (const [pattern, meaning] of CAUSES) {
    if (!pattern.test(raw)) continue;
    const found = typeof meaning === 'string' ? byClass(meaning) : meaning;
    if (found) return { ...found, details: raw, errorClass: typeof meaning === 'string' ? meaning : errorClass };
  }
  const found = byClass(errorClass);
  return { ...(found || UNKNOWN), details: raw, errorClass };
}

/** A job's problem, or null when it has none. */
export function explainJob(job) {
  if (!job || (!job.last_error && !job.error_class)) return null;
  return explain({ errorClass: job.error_class, message: job.last_error });
}

/** Causes worded for a channel's listing (a whole page, not one video). */
const CHANNEL_CAUSES = [
  [/HTTP Error 404|404 Not Found/i, 'The address was not found (404). Check the URL in a browser: a channel’s page or a playlist works.'],
  [/HTTP Error 403|403 Forbidden|Private|members[- ]only/i, 'The site refused to show the list (private or restricted). A cookies file (COOKIES_FILE) helps for restricted lists.'],
];

/** A channel whose listing failed: what happened, and what to do. */
export function explainChannel(channel) {
  if (!channel || !channel.last_error) return null;
  const raw = String(channel.last_error);
  const specific = CHANNEL_CAUSES.find(([pattern]) => pattern.test(raw));
  const general = explain({ message: raw });
  const remedy = specific ? specific[1]
    : general.summary !== UNKNOWN.summary ? `${general.summary} ${general.remedy}`
      : 'Check that the URL opens a channel or playlist in a browser, then press Sync now.';
  return { summary: 'Spool could not list this channel.', remedy, details: raw, errorClass: general.errorClass };
}

/** The sentence shown for a failed request (ApiError or anything thrown). */
export function requestMessage(error) {
  if (!error) return 'Something went wrong.';
  if (error.code === 'network') return 'Spool cannot be reached right now. The page reconnects by itself when it is back.';
  if (error.status === 503) return 'Spool is busy right now. Try again in a moment.';
  if (error.status >= 500) return `Spool hit an internal error: ${error.message}`;
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
