/**
 * errors.ts — the single error type thrown by the compiler.
 * Every problem in a query surfaces as a KqlError with a 1-based line/column.
 */

export interface Span {
  /** Offset of the first character (0-based, UTF-16 code units). */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export type KqlErrorKind = 'SyntaxError' | 'SemanticError';

export class KqlError extends Error {
  readonly kind: KqlErrorKind;
  readonly line: number;
  readonly column: number;
  readonly token?: string;

  constructor(kind: KqlErrorKind, message: string, line: number, column: number, token?: string) {
    super(message);
    this.name = 'KqlError';
    this.kind = kind;
    this.line = line;
    this.column = column;
    if (token !== undefined) this.token = token;
  }
}

/** Maps offsets to 1-based line/column positions in the query text. */
export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.lineStarts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  slice(span: Span): string {
    return this.text.slice(span.start, span.end);
  }

  /** Kusto-style syntax error: "Query could not be parsed at 'x' on line [1,10]". */
  syntaxError(span: Span, detail?: string): KqlError {
    const token = this.slice(span);
    const { line, column } = this.position(span.start);
    const shown = token.length > 50 ? token.slice(0, 50) + '…' : token;
    const msg = `Query could not be parsed at '${shown}' on line [${line},${column}]` + (detail ? `: ${detail}` : '');
    return new KqlError('SyntaxError', msg, line, column, token);
  }

  semanticError(span: Span, message: string): KqlError {
    const { line, column } = this.position(span.start);
    return new KqlError('SemanticError', `${message} (line ${line}, column ${column})`, line, column, this.slice(span));
  }
}
