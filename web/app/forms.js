// Forms whose fields the server validates: every control has its label, its hint and its own
// error slot, and a refused request (`400 invalid_field`, whose message starts with the field's
// name) puts the server's sentence next to the field it names and moves focus there. The
// source rules, the add form and the profile editor are built with it, so an error reads the
// same everywhere.
import { fieldOf, requestMessage, splitDetail } from './errors.js';
import { h, setChildren } from './ui.js';

/** "filters.title_include" → "filters-title_include": the part of ids and test ids. */
const slug = (name) => name.replace(/[^a-z0-9_]+/gi, '-');

export class Form {
  /**
   * `prefix` makes ids unique on the page and starts every field's data-testid:
   * `<prefix>-<field>` for the control, `<prefix>-<field>-error` for its error.
   */
  constructor(prefix) {
    this.prefix = prefix;
    this.fields = new Map(); // name → {control, error, kind}
    this.general = h('div', { class: 'field-error', id: `${prefix}-form-error`, dataset: { testid: `${prefix}-form-error` } });
  }

  id(name) {
    return `${this.prefix}-${slug(name)}`;
  }

  /**
   * Adds a field; `kind` is text, number, date, url, select, checkbox or lines (a textarea, one
   * item a line). `addon` (e.g. a button) sits beside the control.
   */
  field(name, { label, kind = 'text', value = '', hint = '', options = [], placeholder = '', min, max, step, inputmode, required = false, autocomplete = 'off', addon = null }) {
    const id = this.id(name);
    const errorId = `${id}-error`;
    const hintId = hint ? `${id}-hint` : null;
    const describedBy = [errorId, hintId].filter(Boolean).join(' ');
    const testid = id;
    let control;
    if (kind === 'select') {
      control = h('select', { id, name, 'aria-describedby': describedBy, dataset: { testid } },
        options.map((o) => h('option', { value: String(o.value) }, o.label)));
      control.value = String(value ?? '');
    } else if (kind === 'checkbox') {
      control = h('input', { id, name, type: 'checkbox', checked: Boolean(value), 'aria-describedby': describedBy, dataset: { testid } });
    } else if (kind === 'lines') {
      control = h('textarea', { id, name, rows: 3, placeholder, spellcheck: 'false', 'aria-describedby': describedBy, dataset: { testid } });
      control.value = Array.isArray(value) ? value.join('\n') : String(value ?? '');
    } else {
      control = h('input', {
        id, name, type: kind, placeholder, min, max, step, inputmode, required, autocomplete,
        'aria-describedby': describedBy, dataset: { testid },
      });
      control.value = value === null || value === undefined ? '' : String(value);
    }
    const error = h('div', { id: errorId, class: 'field-error', dataset: { testid: `${testid}-error` } });
    this.fields.set(name, { control, error, kind });
    // Typing in a field the server refused takes its complaint away.
    control.addEventListener(kind === 'checkbox' || kind === 'select' ? 'change' : 'input', () => this.clear(name));
    const hintEl = hint ? h('p', { id: hintId, class: 'hint' }, hint) : null;
    if (kind === 'checkbox') {
      return h('div', { class: 'field field-check' }, h('label', { for: id }, control, h('span', {}, label)), hintEl, error);
    }
    return h('div', { class: 'field' }, h('label', { for: id }, label),
      addon ? h('div', { class: 'inline-form' }, control, addon) : control, hintEl, error);
  }

  control(name) {
    return this.fields.get(name)?.control || null;
  }

  /** A field's value: a boolean for a checkbox, a list for lines, else the trimmed text ('' when empty). */
  value(name) {
    const field = this.fields.get(name);
    if (!field) return undefined;
    if (field.kind === 'checkbox') return field.control.checked;
    if (field.kind === 'lines') return field.control.value.split('\n').map((l) => l.trim()).filter(Boolean);
    return field.control.value.trim();
  }

  /** A number field's value: a number, null when empty, or the text itself (the server names what is wrong). */
  number(name) {
    const text = this.value(name);
    if (text === '' || text === undefined) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }

  set(name, value) {
    const field = this.fields.get(name);
    if (!field) return;
    if (field.kind === 'checkbox') field.control.checked = Boolean(value);
    else if (field.kind === 'lines') field.control.value = Array.isArray(value) ? value.join('\n') : String(value ?? '');
    else field.control.value = value === null || value === undefined ? '' : String(value);
  }

  /**
   * Shows `message` under the field (or under the form when it has no such field); a raw tool
   * line in parentheses at its end goes under "Details".
   */
  showError(name, message) {
    const field = this.fields.get(name);
    const { summary, details } = splitDetail(message);
    const content = [summary, details ? h('details', { class: 'problem-details' }, h('summary', {}, 'Details'), h('pre', {}, details)) : null];
    if (!field) {
      setChildren(this.general, content);
      return false;
    }
    setChildren(field.error, content);
    field.control.setAttribute('aria-invalid', 'true');
    return true;
  }

  clear(name) {
    const field = this.fields.get(name);
    if (!field) return;
    setChildren(field.error);
    field.control.removeAttribute('aria-invalid');
  }

  clearErrors() {
    for (const name of this.fields.keys()) this.clear(name);
    setChildren(this.general);
  }

  /**
   * Puts a refused request's message where it belongs: next to the field it names (focused,
   * so the user is at the problem), or under the form. Next to its field the message loses the
   * field's name it starts with (`'filters.max_items': must be…` → "Must be…"); the rest is the
   * server's sentence. Returns the field name or null.
   */
  report(error) {
    const name = fieldOf(error);
    const message = requestMessage(error);
    const own = name ? message.replace(/^'[^']+':\s*/, '').replace(/^./, (c) => c.toUpperCase()) : message;
    if (name && this.fields.has(name)) {
      this.showError(name, own);
      const { control } = this.fields.get(name);
      control.closest('details')?.setAttribute('open', '');
      control.focus();
      return name;
    }
    this.showError(null, message);
    return null;
  }
}
