import { ApiError, type ErrorCode } from "./errors";

/**
 * An RPC answer that may be a refusal with its code. Errors cross Durable Object RPC as
 * plain Errors (ApiError's code is lost), so a refusal travels as a value with the same
 * code, message and status the HTTP side answers with.
 */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; status: number };

/** Object side: runs `run`, turning an ApiError into a refusal value; other errors still throw. */
export async function toRpcResult<T>(run: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, code: e.code, message: e.message, status: e.status };
    throw e;
  }
}

/** Worker side: the value, or the refusal thrown again as the ApiError it was. */
export function unwrapRpcResult<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.code, result.message, undefined, result.status);
}
