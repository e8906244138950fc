/**
 * A virtualised result grid: only the rows in view (plus a margin) exist in the DOM, so hundreds of
 * thousands of rows scroll smoothly. Dynamic values (objects, arrays) show compactly; their button
 * opens them in full in the details panel below the grid.
 */
import { clear, h } from './dom';

const ROW_HEIGHT = 28;
const OVERSCAN = 10;

export interface GridData { columns: { name: string; type: string }[]; rows: unknown[][] }

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The Query API sends `dynamic` values as JSON text (as Azure does): parse them once for display. */
export function parseDynamic(data: GridData): GridData {
  const dyn = data.columns.map((c, i) => (c.type === 'dynamic' ? i : -1)).filter((i) => i >= 0);
  if (!dyn.length) return data;
  const rows = data.rows.map((r) => {
    const out = r.slice();
    for (const i of dyn) {
      const v = out[i];
      if (typeof v === 'string' && /^[[{]/.test(v)) {
        try {
          out[i] = JSON.parse(v);
        } catch {
          /* keep the text */
        }
      }
    }
    return out;
  });
  return { columns: data.columns, rows };
}

export function renderGrid(host: HTMLElement, data: GridData): void {
  clear(host);
  const details = h('section', { className: 'cell-details', 'aria-label': 'Value details', hidden: true });
  const template = data.columns.map((c) => (c.type === 'datetime' ? 'minmax(190px, auto)' : 'minmax(120px, 1fr)')).join(' ');
  const header = h('div', { className: 'grid-row grid-header', role: 'row', 'aria-rowindex': 1 });
  header.style.gridTemplateColumns = template;
  for (const c of data.columns) header.append(h('div', { className: 'grid-cell', role: 'columnheader', title: c.type }, c.name));
  const body = h('div', { className: 'grid-body', role: 'rowgroup' });
  body.style.height = `${data.rows.length * ROW_HEIGHT}px`;
  const viewport = h('div', { className: 'grid-viewport', tabindex: 0, role: 'table', 'aria-label': `Query results: ${data.rows.length} rows`, 'aria-rowcount': data.rows.length + 1 },
    h('div', { role: 'rowgroup', className: 'grid-head-group' }, header),
    body,
  );
  host.append(viewport, details);

  const showDetails = (col: string, value: unknown) => {
    clear(details);
    details.hidden = false;
    details.append(
      h('h3', {}, `${col}`),
      h('pre', { className: 'json' }, JSON.stringify(value, null, 2)),
      h('button', { type: 'button', onclick: () => (details.hidden = true) }, 'Close'),
    );
  };

  let first = -1;
  let last = -1;
  const paint = () => {
    const top = Math.max(0, viewport.scrollTop - header.offsetHeight);
    const from = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(data.rows.length, Math.ceil((top + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    if (from === first && to === last) return;
    first = from;
    last = to;
    clear(body);
    for (let i = from; i < to; i++) {
      const row = data.rows[i]!;
      const r = h('div', { className: 'grid-row', role: 'row', 'aria-rowindex': i + 2 });
      r.style.gridTemplateColumns = template;
      r.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      row.forEach((v, j) => {
        const text = formatCell(v);
        if (v !== null && typeof v === 'object') {
          r.append(h('div', { className: 'grid-cell dynamic', role: 'cell' },
            h('button', { type: 'button', className: 'expand', 'aria-label': `Expand ${data.columns[j]!.name} of row ${i + 1}`, onclick: () => showDetails(`${data.columns[j]!.name}, row ${i + 1}`, v) }, '{…}'),
            ' ', text));
        } else {
          r.append(h('div', { className: 'grid-cell', role: 'cell', title: text.length > 40 ? text : undefined }, text));
        }
      });
      body.append(r);
    }
  };
  viewport.addEventListener('scroll', () => requestAnimationFrame(paint), { passive: true });
  new ResizeObserver(() => { first = -1; paint(); }).observe(viewport);
  paint();
}
