/** A small static table (for insights and access), with a caption for screen readers. */
import { h } from './dom';
import { formatCell } from './grid';

export function staticTable(caption: string, columns: string[], rows: unknown[][], id?: string): HTMLTableElement {
  return h('table', { className: 'static-table', id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...(rows.length ? rows.map((r) => h('tr', {}, ...r.map((v) => h('td', {}, v instanceof Node ? v : formatCell(v))))) : [h('tr', {}, h('td', { colspan: columns.length }, 'No rows.'))])),
  );
}
