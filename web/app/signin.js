// What the two pages outside the app (sign-in and first start) share: where to go afterwards,
// and how a form is sent with its error shown beside it. They load before anyone is signed in,
// so this module imports nothing from the app.

/**
 * Where to go after signing in: `next` resolved against this page's origin, and used only if it
 * stays there. Checking the text instead let `/%5Cevil.example` and `/%09/evil.example` through:
 * the URL parser reads a backslash as a slash and drops tabs, so both are `//evil.example`,
 * another site. The absolute URL returned cannot leave this origin.
 *
 *     sameOriginTarget('/library?q=x')      // 'https://spool.home/library?q=x'
 *     sameOriginTarget('/\\evil.example/')  // 'https://spool.home/'
 */
export function sameOriginTarget(next) {
  try {
    const url = new URL(next || '/', location.origin);
    return url.origin === location.origin ? url.href : '/';
  } catch {
    return '/';
  }
}

/**
 * Posts `body()` as JSON to `url` when `form` is submitted, then goes to the page named by the
 * `next` parameter. `check()` may refuse before sending by returning a message. A refusal of
 * the server is shown in `error` with the server's own words; `onFailure` puts the focus back.
 */
export function submitAsJSON(form, error, { url, body, check = () => null, onFailure = () => {} }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = check() || '';
    if (error.textContent) return onFailure();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body()),
      });
      if (!response.ok) {
        const reply = await response.json().catch(() => null);
        throw new Error(reply?.error?.message || `The server answered ${response.status}.`);
      }
      location.replace(sameOriginTarget(new URLSearchParams(location.search).get('next')));
    } catch (failure) {
      error.textContent = failure.message === 'Failed to fetch' ? 'The server could not be reached.' : failure.message;
      button.disabled = false;
      onFailure();
    }
  });
}
