import { upstreamError } from "../../domain/errors";
import { pipeExact } from "./exact-length";
import { BodyLengthError, type ArchiveStore } from "./port";

/** R2 accepts at most 1000 keys per delete and returns at most 1000 keys per list page. */
const R2_BATCH = 1000;

/**
 * The embedded default: the `ARCHIVE` R2 binding (local storage under `wrangler dev`).
 * `pageSize` exists so tests can cross a list page boundary without writing 1000 objects.
 */
export function createR2ArchiveStore(bucket: R2Bucket, options: { pageSize?: number } = {}): ArchiveStore {
  const pageSize = Math.min(options.pageSize ?? R2_BATCH, R2_BATCH);
  const guard = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (e) {
      throw upstreamError(`the archive (R2 ${what})`, e);
    }
  };

  return {
    browserOrigin: null,
    put: (key, body, contentType) =>
      guard(`put ${key}`, async () => {
        await bucket.put(key, body, { httpMetadata: { contentType } });
      }),

    get: (key) =>
      guard(`get ${key}`, async () => {
        const object = await bucket.get(key);
        return object === null ? null : await object.text();
      }),

    delete: (keys) =>
      guard("delete", async () => {
        for (let i = 0; i < keys.length; i += R2_BATCH) await bucket.delete(keys.slice(i, i + R2_BATCH));
      }),

    list: (prefix) =>
      guard(`list ${prefix}`, async () => {
        const keys: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await bucket.list({ prefix, cursor, limit: pageSize });
          for (const object of page.objects) keys.push(object.key);
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
        return keys.sort();
      }),

    head: (key) =>
      guard(`head ${key}`, async () => {
        const object = await bucket.head(key);
        return object === null ? null : { size: object.size };
      }),

    // The binding cannot sign URLs: the Worker serves uploads and downloads itself.
    presignPut: async () => null,
    presignGet: async () => null,

    // R2 learns the length up front (FixedLengthStream) and aborts the put when the body
    // errors; a wrong length is a BodyLengthError, never an upstream failure.
    putStream: async (key, body, object) => {
      let stored: R2Object | null;
      try {
        stored = await pipeExact(body, object.size, (input) => bucket.put(key, input, { httpMetadata: { contentType: object.contentType } }));
      } catch (e) {
        if (e instanceof BodyLengthError) throw e;
        throw upstreamError(`the archive (R2 put ${key})`, e);
      }
      if (stored === null) throw upstreamError(`the archive (R2 put ${key})`, new Error("R2 refused the object"));
    },

    getStream: (key) =>
      guard(`get ${key}`, async () => {
        const object = await bucket.get(key);
        return object === null ? null : { body: object.body, size: object.size };
      }),
  };
}
