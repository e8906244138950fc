/**
 * Compiled queries kept for the next run of the same text by the same caller in the same context.
 *
 * A compile is a pure function of the query text, the timespan, the answers of the table resolver
 * (which tables the caller may read, their SQL sources and columns) and of what the emitter reads
 * of now(), the caller's session and the pseudonym key. So an entry is kept only when the emitter
 * read none of those three (CompiledQuery.uses), no discovery step ran (its names come from data)
 * and every resolver call answered (none threw); and it is keyed by the caller, the context and
 * the timespan besides the text.
 *
 * Reuse replays the entry's resolver calls, in order, on the request's own resolver: authorization
 * is decided again, now, by the same code as for a compile, and the resolver grants the store
 * exactly the tables the compile would have made it grant. Only when every answer is the same as
 * the recorded one is the SQL reused; any difference (a role or a table changed), or a call that
 * throws, and the caller compiles afresh with a new resolver. The store's statement guard still
 * checks every statement that runs.
 */
import type { CompiledQuery, ResolvedTable, TableResolver } from '../kql/index.js';

/** One resolver call and its answer (as JSON text; '' for undefined). */
type Call = { fn: 'resolveTable'; args: [string]; answer: string } | { fn: 'resolveQualifiedTable'; args: ['workspace' | 'resource', string, string]; answer: string } | { fn: 'listTables'; args: []; answer: string };

interface Entry {
  compiled: CompiledQuery;
  calls: Call[];
}

const answerText = (x: ResolvedTable | string[] | undefined): string => (x === undefined ? '' : JSON.stringify(x));

/** Keys (they hold the query text) and SQL texts above this are not kept (they are rare, and would hold memory). */
const MAX_SQL_CHARS = 64 * 1024;

export class CompileCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 256) {}

  /**
   * The compiled query of `key` when `resolver`, asked what the compile asked, answers the same now;
   * those calls are then made on `resolver`. Undefined otherwise — `resolver` may then have been
   * asked some of them, so the caller compiles with a fresh one.
   */
  reuse(key: string, resolver: TableResolver): CompiledQuery | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    try {
      for (const call of entry.calls) {
        if (answerText(invoke(resolver, call)) !== call.answer) return this.forget(key);
      }
    } catch {
      return this.forget(key);
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.compiled;
  }

  /** `resolver` with its calls and answers recorded, for `keep`. */
  recording(resolver: TableResolver): { resolver: TableResolver; calls: Call[]; threw: () => boolean } {
    const calls: Call[] = [];
    let threw = false;
    const record = <T extends ResolvedTable | string[] | undefined>(call: Omit<Call, 'answer'>, run: () => T): T => {
      try {
        const answer = run();
        calls.push({ ...call, answer: answerText(answer) } as Call);
        return answer;
      } catch (err) {
        threw = true;
        throw err;
      }
    };
    const recorded: TableResolver = {
      resolveTable: (name) => record({ fn: 'resolveTable', args: [name] }, () => resolver.resolveTable(name)),
    };
    if (resolver.listTables) recorded.listTables = () => record({ fn: 'listTables', args: [] }, () => resolver.listTables!());
    if (resolver.resolveQualifiedTable) {
      recorded.resolveQualifiedTable = (kind, id, table) => record({ fn: 'resolveQualifiedTable', args: [kind, id, table] }, () => resolver.resolveQualifiedTable!(kind, id, table));
    }
    return { resolver: recorded, calls, threw: () => threw };
  }

  /** Keeps `compiled` under `key` if nothing but its key and the recorded answers made it (see the file's comment). */
  keep(key: string, compiled: CompiledQuery, recorded: { calls: Call[]; threw: () => boolean }, discoveries: number): void {
    const uses = compiled.uses;
    if (!uses || uses.now || uses.session || uses.pseudonymKey || discoveries > 0 || recorded.threw()) return;
    if (key.length > MAX_SQL_CHARS || [compiled, ...(compiled.results ?? [])].some((r) => r.sql.length > MAX_SQL_CHARS)) return;
    this.entries.delete(key);
    this.entries.set(key, { compiled, calls: [...recorded.calls] });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  private forget(key: string): undefined {
    this.entries.delete(key);
    return undefined;
  }
}

function invoke(resolver: TableResolver, call: Call): ResolvedTable | string[] | undefined {
  switch (call.fn) {
    case 'resolveTable':
      return resolver.resolveTable(...call.args);
    case 'listTables':
      // The compile had it: a resolver without it now is a different resolver.
      if (!resolver.listTables) throw new Error('resolver without listTables');
      return resolver.listTables();
    case 'resolveQualifiedTable':
      if (!resolver.resolveQualifiedTable) throw new Error('resolver without resolveQualifiedTable');
      return resolver.resolveQualifiedTable(...call.args);
  }
}
