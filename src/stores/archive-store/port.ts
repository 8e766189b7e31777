/**
 * Object storage for transcripts (SPEC section 5): `archive/chat_{id}_final.txt` and
 * `temp/chat_{id}_snapshot_{yyyyMMddHHmmss}.txt` in `CHAT_ARCHIVE_BUCKET`.
 * Adapters: the R2 binding (embedded) and any S3 API through aws4fetch (production).
 * Failures throw ApiError UPSTREAM_UNAVAILABLE.
 */
export interface ArchiveStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or null when there is no such key. */
  get(key: string): Promise<string | null>;
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every key under `prefix` (follows continuation), in lexical order. */
  list(prefix: string): Promise<string[]>;
}

export const archiveKeys = {
  final: (requestIdx: number) => `archive/chat_${requestIdx}_final.txt`,
  snapshotPrefix: (requestIdx: number) => `temp/chat_${requestIdx}_snapshot_`,
  /** `at` formatted as yyyyMMddHHmmss in UTC. */
  snapshot: (requestIdx: number, at: Date) =>
    `temp/chat_${requestIdx}_snapshot_${at.toISOString().replace(/[-:T]/g, "").slice(0, 14)}.txt`,
};
