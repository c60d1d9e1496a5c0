// The "Source" filter menu of the Library and Jobs pages, and the sources those pages name.
//
// Neither page reads every source up front any more: at 500 sources that read was 38 ms of
// the server's time and 500 options on every visit, for a menu most visits never open. The
// menu starts with "All sources" and the source the URL names (read alone, by
// `GET /api/sources/{id}`, so its name shows); its other options are read the first time the
// pointer comes over it or it takes focus (by Tab or a click), before it opens. It stays a
// native <select>, so the keyboard, the screen reader and the phone's picker work as before.
//
//   const menu = sourceMenu(select, { selected: '12', onNames: render });
//   menu.source(12)   // the source, or undefined while it is read (onNames runs when it arrives)
//   menu.source(12, { full: true })   // with its counts (read by id if the menu has its name only)
//   menu.remember(source); menu.forget(id);   // from the live `source.updated` / `source.deleted`
import { get, getAll } from './api.js';
import { h } from './ui.js';

const CONCURRENT = 4; // sources read by id at once; a page names a few dozen at most

export function sourceMenu(select, { selected = '', onNames = () => {}, onError = null } = {}) {
  const known = new Map(); // id → Source, read by id or with the menu
  const asked = new Set(); // ids read (or being read) by id, never asked twice
  const queue = [];
  let running = 0;
  let filled = null; // the promise of the whole menu, once asked for
  let changed = false;

  const label = (source) => source.title || source.url || `Source ${source.id}`;

  function option(id) {
    let node = select.querySelector(`option[value="${id}"]`);
    if (!node) {
      node = h('option', { value: String(id) }, `Source ${id}`);
      select.append(node);
    }
    return node;
  }

  /** Tells the page once per batch that names arrived (a render per source would be wasted). */
  function announce() {
    if (changed) return;
    changed = true;
    queueMicrotask(() => { changed = false; onNames(); });
  }

  function remember(source) {
    if (!source || source.id === undefined) return;
    known.set(source.id, source);
    const existing = select.querySelector(`option[value="${source.id}"]`);
    if (existing) existing.textContent = label(source);
    else if (filled) {
      // Newest first, as the menu was filled: a source added meanwhile goes first.
      select.insertBefore(h('option', { value: String(source.id) }, label(source)), select.options[1] || null);
    }
    announce();
  }

  function forget(id) {
    known.delete(id);
    if (String(id) !== select.value) select.querySelector(`option[value="${id}"]`)?.remove();
  }

  async function pump() {
    while (running < CONCURRENT && queue.length) {
      const id = queue.shift();
      running++;
      get(`/api/sources/${id}`)
        .then(remember)
        .catch((err) => { if (err.status !== 404) console.warn(`source ${id} is unavailable`, err); })
        .finally(() => { running--; pump(); });
    }
  }

  /**
   * The source with this id: known, or read now (undefined until then). The menu knows a
   * source by name only (no `counts`); `{ full: true }` reads such a one by id, once, and gives
   * the name meanwhile.
   */
  function source(id, { full = false } = {}) {
    if (!/^\d+$/.test(String(id ?? ''))) return undefined; // no id, or not one (a hand-made URL)
    const key = Number(id);
    const have = known.get(key);
    if (have && (have.counts || !full)) return have;
    if (!asked.has(key) && (!filled || full)) {
      asked.add(key);
      queue.push(key);
      pump();
    }
    return have;
  }

  /** Every source as an option, read once by name (page by page, newest first). */
  function fill() {
    if (filled) return filled;
    select.setAttribute('aria-busy', 'true');
    // Names only (`view=names`: id, title, url, kind, paused), a sixth of the full list's bytes;
    // a source read in full by id (its counts) stays as it is.
    filled = getAll('/api/sources', 'sources', { view: 'names' }).then((all) => {
      const value = select.value;
      const options = [select.options[0]];
      for (const s of all) {
        if (!known.get(s.id)?.counts) known.set(s.id, s);
        options.push(h('option', { value: String(s.id) }, label(s)));
      }
      // A source the URL names but the list no longer has (removed) stays chosen.
      if (value && !all.some((s) => String(s.id) === value)) options.push(option(value));
      select.replaceChildren(...options);
      select.value = value;
      announce();
    }).catch((err) => {
      filled = null; // the next focus tries again
      if (onError) onError(err);
      else console.warn('the list of sources is unavailable', err);
    }).finally(() => select.removeAttribute('aria-busy'));
    return filled;
  }

  for (const event of ['pointerenter', 'focus']) select.addEventListener(event, () => { fill(); });

  /** Chooses a source (the URL's): an option for it now, named when it is read. */
  function choose(id) {
    if (id) {
      const node = option(id);
      const chosen = source(id);
      if (chosen) node.textContent = label(chosen);
    }
    select.value = id || '';
  }
  // Named when it is read (`remember` renames its option).
  choose(selected);

  return {
    source,
    remember,
    forget,
    choose,
    /** Reads every option now (the menu does this itself on first use). */
    fill,
    /** True once the options of every source were asked for. */
    get filled() { return Boolean(filled); },
  };
}
