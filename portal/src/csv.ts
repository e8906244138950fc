/** CSV export of a result (RFC 4180; dynamic values as JSON), downloaded without leaving the page. */
import { formatCell, type GridData } from './grid';

export function toCsv(data: GridData): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"` : s);
  const lines = [data.columns.map((c) => quote(c.name)).join(',')];
  for (const row of data.rows) lines.push(row.map((v) => quote(formatCell(v))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function downloadCsv(data: GridData, name = 'query-results.csv'): void {
  const url = URL.createObjectURL(new Blob([toCsv(data)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
