// Inline SVG icons: emoji and symbol glyphs render as empty boxes on many Linux fonts, and no
// icon font may be loaded from another host. Paths are 24×24, stroke-free, currentColor.
const PATHS = {
  play: 'M8 5.5v13a1 1 0 0 0 1.5.86l10.2-6.5a1 1 0 0 0 0-1.72L9.5 4.64A1 1 0 0 0 8 5.5z',
  pause: 'M7 5h3.5v14H7zM13.5 5H17v14h-3.5z',
  prev: 'M6 5h2v14H6zM19 5.9v12.2a.9.9 0 0 1-1.4.75L9.5 12.75a.9.9 0 0 1 0-1.5l8.1-6.1a.9.9 0 0 1 1.4.75z',
  next: 'M16 5h2v14h-2zM5 5.9v12.2a.9.9 0 0 0 1.4.75l8.1-6.1a.9.9 0 0 0 0-1.5L6.4 5.15A.9.9 0 0 0 5 5.9z',
  shuffle: 'M16 4l4 4-4 4V9h-2.2l-7 9H4v-2h2.2l7-9H16V4zm0 8.9l4 4-4 4V18h-2.2l-2.06-2.65 1.26-1.62L14.8 16H16v-3.1zM4 7h2.8l2.06 2.65-1.26 1.62L6.2 9H4V7z',
  repeat: 'M7 7h10v3l4-4-4-4v3H5v6h2V7zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2v4z',
  heart: 'M12 21l-1.45-1.32C5.4 15.04 2 11.95 2 8.5 2 5.42 4.42 3 7.5 3c1.74 0 3.41.81 4.5 2.09C13.09 3.81 14.76 3 16.5 3 19.58 3 22 5.42 22 8.5c0 3.45-3.4 6.54-8.55 11.18L12 21z',
  dislike: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z',
  trash: 'M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z',
  close: 'M19 6.41L17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  note: 'M12 3v10.55A4 4 0 1 0 14 17V7h4V3h-6z',
};

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An aria-hidden icon; the button around it carries the accessible name. */
export function icon(name, size = 20) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', PATHS[name] || PATHS.note);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
