import { BodyLengthError } from "./port";

/**
 * Passes exactly `size` bytes, or errors with BodyLengthError: one byte too many cuts the
 * stream off at once (the rest is never read), one too few errors at its end. The chunk
 * that completes the size is held back until the source has ended, so a store that
 * commits once it has its declared length never sees a body that then turns out longer.
 */
export function exactLength(size: number): TransformStream<Uint8Array, Uint8Array> {
  let received = 0;
  let held: Uint8Array | null = null;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      received += chunk.byteLength;
      if (received > size) {
        held = null;
        controller.error(new BodyLengthError(size, received));
      } else if (received === size) {
        held = chunk;
      } else {
        controller.enqueue(chunk);
      }
    },
    flush(controller) {
      if (received < size) controller.error(new BodyLengthError(size, received));
      else if (held) controller.enqueue(held);
    },
  });
}

/**
 * Pipes `body` (cut to exactly `size` bytes) into the sink a store reads from, alongside
 * the store's own write; a length error wins over the store's consequent failure.
 */
export async function pipeExact<T>(body: ReadableStream<Uint8Array>, size: number, store: (input: ReadableStream<Uint8Array>) => Promise<T>): Promise<T> {
  const fixed = new FixedLengthStream(size);
  const [piped, written] = await Promise.allSettled([body.pipeThrough(exactLength(size)).pipeTo(fixed.writable), store(fixed.readable)]);
  if (piped.status === "rejected") throw piped.reason;
  if (written.status === "rejected") throw written.reason;
  return written.value;
}
