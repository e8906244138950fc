/**
 * Query results serialised once. The service must know a result's size to enforce the 64 MB limit,
 * which means serialising every row; those texts are kept (`JsonRows`) and spliced into the
 * response as they are, instead of letting the HTTP layer serialise every row a second time.
 */

/** Result rows as JSON text: the rows' texts joined by commas, without the enclosing brackets. */
export class JsonRows {
  constructor(
    readonly text: string,
    /** The number of rows. */
    readonly length: number,
  ) {}

  /** Rows from their texts, one per row. */
  static of(texts: readonly string[]): JsonRows {
    return new JsonRows(texts.join(','), texts.length);
  }

  /** Outside `resultJson` (slower, same output): the rows. */
  toJSON(): unknown {
    return JSON.parse(`[${this.text}]`) as unknown;
  }
}

/**
 * JSON.stringify for a value holding `JsonRows`, with the rows' texts written as they are. Plain
 * objects and arrays are walked (the envelope: tables, columns, statistics — small), everything else
 * is JSON.stringify's, so the text is exactly what JSON.stringify gives.
 */
export function resultJson(value: unknown): string {
  return write(value) ?? 'null';
}

/** The JSON text of `v`, or undefined where JSON.stringify leaves a property out (undefined, functions, symbols). */
function write(v: unknown): string | undefined {
  if (v instanceof JsonRows) return `[${v.text}]`;
  if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`;
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      const text = write(x);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) as string | undefined;
}
