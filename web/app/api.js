// Fetch wrapper: JSON in, JSON out, and every server error `{"error": {"code", "message"}}`
// becomes a thrown ApiError whose message can be shown to the user as is.

// Signing in sets an HttpOnly cookie the page never sees; a token once kept here by older
// versions (readable by any script on the page) is removed.
try { localStorage.removeItem('spool.token'); } catch { /* storage disabled */ }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * api('/api/jobs', {query: {status: 'failed'}}) → parsed JSON.
 * `body` is sent as JSON; `signal` aborts (aborts are rethrown as AbortError, not reported).
 * `withStatus: true` resolves to {status, data} instead, for replies whose status code says
 * something the body does not (POST /api/sources: 202 added, 200 already there).
 */
export async function api(path, { method = 'GET', body, query, signal, keepalive, withStatus = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response;
  try {
    response = await fetch(url, {
      method, headers, signal, keepalive,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'The server could not be reached. Check that Spool is running.');
  }

  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // A proxy error page or similar: keep going with the status code only.
      data = null;
    }
  }
  if (!response.ok) {
    const err = data && data.error;
    const message = err && err.message ? err.message : `${method} ${url.pathname} failed with HTTP ${response.status}.`;
    const apiError = new ApiError(response.status, err && err.code ? err.code : 'http_error', message);
    window.dispatchEvent(new CustomEvent('spool:api-error', { detail: apiError }));
    throw apiError;
  }
  return withStatus ? { status: response.status, data } : data;
}

export const get = (path, query, options = {}) => api(path, { ...options, query });
export const post = (path, body, options = {}) => api(path, { ...options, method: 'POST', body });
export const put = (path, body, options = {}) => api(path, { ...options, method: 'PUT', body });
export const del = (path, query, options = {}) => api(path, { ...options, method: 'DELETE', query });

/**
 * Every item of a paged list (`{<key>: [...], next_before}`), page by page, for the short lists
 * a page needs whole (the sources of a filter menu): `getAll('/api/sources', 'sources')`.
 * At most `maxPages` pages of 500.
 */
export async function getAll(path, key, query = {}, { signal, maxPages = 20 } = {}) {
  const items = [];
  let before = null;
  for (let page = 0; page < maxPages; page++) {
    const data = await get(path, { ...query, limit: 500, before }, { signal });
    items.push(...((data && data[key]) || []));
    before = data && data.next_before;
    if (before === null || before === undefined) break;
  }
  return items;
}

/**
 * A cursor over a paged list: `next()` resolves to the next page's items ([] at the end).
 * `pager('/api/playlists/likes', 'tracks')` is what the player pulls more of as it plays.
 */
export function pager(path, key, query = {}, { limit = 100, before = null } = {}) {
  let cursor = before;
  let done = false;
  return {
    get done() { return done; },
    async next() {
      if (done) return [];
      const data = await get(path, { ...query, limit, before: cursor });
      cursor = data && data.next_before;
      if (cursor === null || cursor === undefined) done = true;
      return (data && data[key]) || [];
    },
  };
}
