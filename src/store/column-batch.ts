import type { StoredValue } from './column-types.js';

/**
 * A batch of rows held column by column: `values[j][i]` is row i's value of column j, every column
 * `rowCount` long. Ingestion builds its batches this way, so that neither the log record nor the
 * memory tier's append goes through an array per row (see hot-tables.ts, record-codec.ts).
 */
export class ColumnBatch {
  constructor(
    readonly rowCount: number,
    readonly values: StoredValue[][],
  ) {}

  static fromRows(rows: readonly (readonly StoredValue[])[], columnCount: number): ColumnBatch {
    const values: StoredValue[][] = [];
    for (let j = 0; j < columnCount; j++) {
      const col: StoredValue[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = rows[i]![j] ?? null;
      values.push(col);
    }
    return new ColumnBatch(rows.length, values);
  }

  toRows(): StoredValue[][] {
    const rows: StoredValue[][] = new Array(this.rowCount);
    const width = this.values.length;
    for (let i = 0; i < this.rowCount; i++) {
      const row: StoredValue[] = new Array(width);
      for (let j = 0; j < width; j++) row[j] = this.values[j]![i] ?? null;
      rows[i] = row;
    }
    return rows;
  }
}

/** Rows as a list of rows or a ColumnBatch (what LogStore.append takes), as a ColumnBatch of `columnCount` columns. */
export function asColumnBatch(rows: readonly StoredValue[][] | ColumnBatch, columnCount: number): ColumnBatch {
  return rows instanceof ColumnBatch ? rows : ColumnBatch.fromRows(rows, columnCount);
}

/** Batches of the same `columnCount` columns as one, rows in the order given. */
export function concatBatches(parts: readonly ColumnBatch[], columnCount: number): ColumnBatch {
  const values: StoredValue[][] = [];
  for (let j = 0; j < columnCount; j++) {
    const col: StoredValue[] = [];
    for (const p of parts) {
      const v = p.values[j]!;
      for (let i = 0; i < p.rowCount; i++) col.push(v[i] ?? null);
    }
    values.push(col);
  }
  return new ColumnBatch(
    parts.reduce((n, p) => n + p.rowCount, 0),
    values,
  );
}
