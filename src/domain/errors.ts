/** The fixed list of error codes of SPEC section 3, with their HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION: 400,
  BAD_FRAME: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error type domain code throws. `app.onError` maps it to `{error, code, details?}`;
 * the room maps it to an `error` frame. `status` may narrow the default (502 vs 503).
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    status?: number,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status ?? ERROR_STATUS[code];
  }
}

/** Wraps a store/archive failure so that callers answer 503 and nothing is half-done. */
export function upstreamError(what: string, cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const err = new ApiError("UPSTREAM_UNAVAILABLE", `${what} is unavailable: ${reason}`);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/**
 * A configuration that cannot run (missing or malformed variables): 500 INTERNAL. The
 * message names the variables for the operator's log; the HTTP mapping
 * (src/http/error-response.ts) never sends it to a client.
 */
export class ConfigError extends ApiError {
  constructor(readonly problems: string[]) {
    super("INTERNAL", `invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}
