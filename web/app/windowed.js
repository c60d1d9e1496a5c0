// A windowed list: of all the items a page has loaded (the library can hold 100,000 tracks,
// the jobs page tens of thousands), only the rows in and near the viewport are in the DOM —
// about 60 at a time — between two spacers that keep the list's full height, so the
// scrollbar, Page Down and the browser's find still behave as for a long list. Rows are
// rendered on demand and kept while they stay in the window, so a row keeps its focus and
// an open menu while the user scrolls a little. `nearEnd` asks for the next page before the
// user reaches the last loaded row.
//
//   const rows = windowed(ul, { render: (track) => li, key: (track) => track.id, nearEnd: () => fetchPage(true) });
//   rows.set(tracks); rows.append(more); rows.update(track); rows.remove(id); rows.insert(0, track);
//
// Rows are assumed to be of one height (measured from the rendered ones); a row of another
// height only makes the spacers a little off, never hides a row. With `sign` (what a row
// shows, as a string), `set` keeps the rows whose signature did not change, as `reconcile`
// does: a replaced row would swallow a click whose press and release straddle the swap.

/** The element that scrolls `element` (the app's `main`), or null for the window. */
export function scrollParent(element) {
  for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
    if (/(auto|scroll|overlay)/.test(getComputedStyle(node).overflowY)) return node;
  }
  return null;
}

const OVERSCAN = 20; // rows rendered above and below the viewport
const NEAR_END = 40; // ask for more when this few loaded rows are left below the viewport

export function windowed(list, { render, key, sign = null, nearEnd = null, estimate = 64 }) {
  let items = [];
  const index = new Map(); // key → position in items
  const rendered = new Map(); // key → {element, signature}, for the rows in the window
  let rowHeight = estimate;
  let start = 0;
  let end = 0;
  let empty = null;
  let scheduled = false;
  const before = document.createElement('li');
  const after = document.createElement('li');
  for (const spacer of [before, after]) {
    spacer.className = 'window-spacer';
    spacer.setAttribute('aria-hidden', 'true');
    spacer.style.listStyle = 'none';
    spacer.style.margin = '0';
    spacer.style.padding = '0';
    spacer.style.border = '0';
  }

  function reindex(from = 0) {
    for (let i = from; i < items.length; i++) index.set(key(items[i]), i);
  }

  /** The range of items in and near the viewport. */
  function range() {
    const box = scrollParent(list);
    const viewTop = box ? box.getBoundingClientRect().top : 0;
    const viewHeight = box ? box.clientHeight : window.innerHeight;
    const top = list.getBoundingClientRect().top - viewTop;
    const first = Math.floor(Math.max(0, -top) / rowHeight);
    const visible = Math.ceil(viewHeight / rowHeight) + 1;
    return [Math.max(0, first - OVERSCAN), Math.min(items.length, first + visible + OVERSCAN)];
  }

  function row(item) {
    const id = key(item);
    const signature = sign ? sign(item) : null;
    let entry = rendered.get(id);
    if (!entry || entry.signature !== signature) {
      const element = render(item);
      if (entry?.element.isConnected) entry.element.replaceWith(element);
      entry = { element, signature };
      rendered.set(id, entry);
    }
    const element = entry.element;
    const position = index.get(id);
    element.setAttribute('aria-posinset', String(position + 1));
    element.setAttribute('aria-setsize', String(items.length));
    return element;
  }

  function draw() {
    scheduled = false;
    if (!items.length) {
      rendered.clear();
      start = end = 0;
      list.replaceChildren(...(empty ? [empty] : []));
      list.dataset.loaded = '0';
      return;
    }
    [start, end] = range();
    const keep = new Set(items.slice(start, end).map(key));
    for (const id of [...rendered.keys()]) if (!keep.has(id)) rendered.delete(id);
    const rows = items.slice(start, end).map(row);
    before.style.height = `${start * rowHeight}px`;
    after.style.height = `${(items.length - end) * rowHeight}px`;
    // Move only what changed: rows that stay keep their place (and focus).
    const wanted = [before, ...rows, after];
    let cursor = list.firstChild;
    for (const node of wanted) {
      if (node === cursor) { cursor = cursor.nextSibling; continue; }
      list.insertBefore(node, cursor);
    }
    while (cursor) { const next = cursor.nextSibling; cursor.remove(); cursor = next; }
    const measured = rows.find((r) => r.offsetHeight > 0);
    if (measured && Math.abs(measured.offsetHeight - rowHeight) > 1) {
      rowHeight = measured.offsetHeight;
      schedule();
    }
    list.dataset.loaded = String(items.length);
    if (nearEnd && items.length - end < NEAR_END) nearEnd();
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(draw);
  }

  // Scroll events do not bubble, but every one passes the document in its capture phase.
  const onScroll = () => schedule();
  document.addEventListener('scroll', onScroll, { passive: true, capture: true });
  window.addEventListener('resize', onScroll, { passive: true });

  return {
    get length() { return items.length; },
    /** Every item, in list order. */
    items: () => items,
    has: (id) => index.has(id),
    get: (id) => (index.has(id) ? items[index.get(id)] : undefined),
    indexOf: (id) => (index.has(id) ? index.get(id) : -1),
    /** The row of `id` when it is in the window, else null. */
    rowOf: (id) => rendered.get(id)?.element || null,
    /** What the list shows while it has no item (a placeholder row). */
    setEmpty(node) { empty = node; if (!items.length) draw(); },
    set(next) {
      items = [...next];
      index.clear();
      if (!sign) rendered.clear();
      reindex();
      draw();
    },
    append(more) {
      const from = items.length;
      for (const item of more) if (!index.has(key(item))) { items.push(item); index.set(key(item), items.length - 1); }
      if (items.length !== from) schedule();
    },
    insert(at, item) {
      const position = Math.max(0, Math.min(at, items.length));
      items.splice(position, 0, item);
      reindex(position);
      draw();
    },
    /** Replaces an item (same key); its row is rendered again if it is in the window. */
    update(item, replace = (old, fresh) => old.replaceWith(fresh)) {
      const id = key(item);
      if (!index.has(id)) return false;
      items[index.get(id)] = item;
      const old = rendered.get(id)?.element;
      if (old) {
        rendered.delete(id);
        const fresh = row(item);
        if (old.isConnected) replace(old, fresh);
      }
      return true;
    },
    /** Removes an item; returns where it was (-1 when it was not there). */
    remove(id) {
      if (!index.has(id)) return -1;
      const position = index.get(id);
      items.splice(position, 1);
      index.delete(id);
      rendered.delete(id);
      reindex(position);
      draw();
      return position;
    },
    /** Renders every row in the window again (a change of mode, say). */
    refresh() { rendered.clear(); draw(); },
    destroy() {
      document.removeEventListener('scroll', onScroll, { capture: true });
      window.removeEventListener('resize', onScroll);
    },
  };
}
