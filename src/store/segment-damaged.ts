/**
 * A sealed segment that cannot be read back: missing, truncated, altered, or sealed with another key.
 * Queries that need it fail with this error (it names the file and its table); everything else keeps
 * serving. `vigil verify` finds the same file; the operator restores it from a backup.
 */
export class SegmentDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly file: string,
    readonly workspaceId: string,
    readonly table: string,
    reason: string,
  ) {
    super(`Segment ${file} of table ${table} (workspace ${workspaceId}) cannot be read: ${reason}. Queries that need its rows fail until it is restored; run 'vigil verify' and restore the file from a backup.`);
    this.name = 'SegmentDamagedError';
  }
}
