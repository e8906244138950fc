/**
 * The JSON array of an ingestion request, parsed in pieces of about PIECE_BYTES.
 *
 * Why: a 1,000-row request is ~250 KB of JSON. Decoded whole, its text is one string above V8's
 * largest regular object (128 KB), which goes to the large-object space: fresh pages every request,
 * faulted in and unmapped again. That allocation cost as much CPU as `JSON.parse` itself (≈1 ms per
 * request); strings of a few tens of KB live in the young generation and cost almost nothing.
 *
 * How: the array is cut only where `},{` appears, and each piece is parsed as `[piece]` with the same
 * parser as the whole text. A cut that falls inside a string or inside a nested value leaves the
 * piece before it unbalanced (an unterminated string, an unclosed bracket), which the parser
 * refuses — so when every piece parses, every cut was between two top-level elements and the pieces'
 * elements are exactly the whole array's. Anything else (a piece that does not parse, text that is
 * not `[…]`) is parsed whole, so errors and their messages are the whole text's.
 */
import { parseExactJson } from '../util/exact-json.js';

/** Text per piece: its string stays a young-generation object even when every character needs two bytes. */
const PIECE_BYTES = 32 * 1024;
const CUT = Buffer.from('},{');

const isJsonSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Parses UTF-8 JSON text as `parseExactJson(text.toString('utf8'))` does (same values, same errors). */
export function parseJsonBody(text: Buffer): unknown {
  let first = 0;
  let last = text.length - 1;
  while (first <= last && isJsonSpace(text[first])) first++;
  while (last >= first && isJsonSpace(text[last])) last--;
  if (last - first < 2 * PIECE_BYTES || text[first] !== 0x5b /* [ */ || text[last] !== 0x5d /* ] */) return parseExactJson(text.toString('utf8'));
  const rows: unknown[] = [];
  let start = first + 1;
  while (start < last) {
    const cut = start + PIECE_BYTES < last ? text.indexOf(CUT, start + PIECE_BYTES) : -1;
    // The piece ends with the `}` of the cut (or at the closing bracket); the next one starts at its `{`.
    const end = cut >= 0 && cut < last ? cut + 1 : last;
    let piece: unknown;
    try {
      piece = parseExactJson(`[${text.toString('utf8', start, end)}]`);
    } catch {
      return parseExactJson(text.toString('utf8'));
    }
    for (const row of piece as unknown[]) rows.push(row);
    start = end === last ? last : end + 1;
  }
  return rows;
}
