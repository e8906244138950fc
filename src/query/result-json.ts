/**
 * Query results serialised once. The service must know a result's size to enforce the 64 MB limit,
 * which means serialising every row; those texts are kept (`JsonRows`) and spliced into the
 * response as they are, instead of letting the HTTP layer serialise every row a second time.
 */
import { randomBytes } from 'node:crypto';

/** The `resultJson` call running now (serialisation is synchronous: at most one). */
let splicing: { nonce: string; found: JsonRows[] } | undefined;

/** Result rows as their JSON texts. */
export class JsonRows {
  constructor(readonly texts: readonly string[]) {}

  get length(): number {
    return this.texts.length;
  }

  /** Inside `resultJson`: a placeholder. Anywhere else: the rows (slower, same output). */
  toJSON(): unknown {
    if (splicing) {
      splicing.found.push(this);
      return `\u001f${splicing.nonce}:${splicing.found.length - 1}`;
    }
    return this.texts.map((t) => JSON.parse(t) as unknown);
  }
}

/**
 * JSON.stringify for a value holding `JsonRows`: each becomes a placeholder string carrying a random
 * nonce (so nothing in the envelope — column names, messages — can forge one), then the
 * placeholders are swapped for the rows' texts.
 */
export function resultJson(value: unknown): string {
  const state = { nonce: randomBytes(12).toString('hex'), found: [] as JsonRows[] };
  splicing = state;
  let text: string;
  try {
    text = JSON.stringify(value);
  } finally {
    splicing = undefined;
  }
  if (state.found.length === 0) return text;
  const marker = new RegExp(`"\\\\u001f${state.nonce}:(\\d+)"`, 'g');
  return text.replace(marker, (_m, i: string) => `[${state.found[Number(i)]!.texts.join(',')}]`);
}
