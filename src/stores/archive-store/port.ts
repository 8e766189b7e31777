/**
 * Object storage for transcripts (SPEC section 5): `archive/chat_{id}_final.txt` and
 * `temp/chat_{id}_snapshot_{yyyyMMddHHmmss}.txt` in `CHAT_ARCHIVE_BUCKET`.
 * Adapters: the R2 binding (embedded) and any S3 API through aws4fetch (production).
 * Failures throw ApiError UPSTREAM_UNAVAILABLE.
 */
export interface ArchiveStore {
  /**
   * The origin a browser talks to directly for presigned uploads and downloads (the S3
   * bucket's), so the app's Content-Security-Policy can allow it; null when every byte goes
   * through the Worker (the R2 binding).
   */
  readonly browserOrigin: string | null;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or null when there is no such key. */
  get(key: string): Promise<string | null>;
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every key under `prefix` (follows continuation), in lexical order. */
  list(prefix: string): Promise<string[]>;

  /** The object's size, or null when there is no such key. */
  head(key: string): Promise<{ size: number } | null>;
  /**
   * A URL a client may PUT exactly `size` bytes of `contentType` to, without our help,
   * signed so that another type or length is refused by the store itself. null: the store
   * cannot sign one (the R2 binding), so the Worker serves the upload (putStream).
   */
  presignPut(key: string, upload: { contentType: string; size: number; expiresIn: number }): Promise<{ url: string; headers: Record<string, string> } | null>;
  /** A short-lived GET URL answering with these response headers; null as for presignPut. */
  presignGet(key: string, download: { expiresIn: number; contentType: string; contentDisposition: string }): Promise<string | null>;
  /**
   * Streams `body` into `key`, never holding it whole. The store must receive exactly
   * `size` bytes: a longer or shorter body rejects with BodyLengthError (exact-length.ts)
   * and stores nothing.
   */
  putStream(key: string, body: ReadableStream<Uint8Array>, object: { size: number; contentType: string }): Promise<void>;
  /** The object as a stream with its size, or null when there is no such key. */
  getStream(key: string): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null>;
}

export const archiveKeys = {
  /** SPEC section 11: uploads live in the archive bucket beside the transcripts. */
  attachment: (requestIdx: number, attachmentId: string) => `attachments/${requestIdx}/${attachmentId}`,
  final: (requestIdx: number) => `archive/chat_${requestIdx}_final.txt`,
  snapshotPrefix: (requestIdx: number) => `temp/chat_${requestIdx}_snapshot_`,
  /** `at` formatted as yyyyMMddHHmmss in UTC. */
  snapshot: (requestIdx: number, at: Date) =>
    `temp/chat_${requestIdx}_snapshot_${at.toISOString().replace(/[-:T]/g, "").slice(0, 14)}.txt`,
};

/**
 * A body that was not the declared length (putStream); nothing of it was stored. Part of
 * the port, so callers tell it apart without knowing the adapter (src/attachments/upload.ts).
 */
export class BodyLengthError extends Error {
  constructor(
    readonly expected: number,
    /** Bytes seen before the stream was cut off or ended: over `expected` when too long. */
    readonly received: number,
  ) {
    super(received > expected ? `the body is longer than ${expected} bytes` : `the body ended after ${received} of ${expected} bytes`);
    this.name = "BodyLengthError";
  }
}
