import { ApiError } from "../../domain/errors";

/**
 * The list's keyset position: the last item's (createdAt, requestIdx). Lists are ordered
 * by both descending, and neither changes after creation, so paging by this key never
 * repeats or skips an item even while rows are inserted or change status.
 */
export interface ListCursor {
  createdAt: Date;
  requestIdx: number;
}

export function encodeCursor(c: ListCursor): string {
  const json = JSON.stringify({ t: c.createdAt.getTime(), i: c.requestIdx });
  return btoa(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Parses a cursor from a query string; anything malformed is a 400, never a 500. */
export function decodeCursor(cursor: string): ListCursor {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const { t, i } = JSON.parse(json) as { t?: unknown; i?: unknown };
    if (Number.isSafeInteger(t) && Number.isSafeInteger(i) && (i as number) > 0) {
      return { createdAt: new Date(t as number), requestIdx: i as number };
    }
  } catch {
    // fall through to the validation error
  }
  throw new ApiError("VALIDATION", "Invalid cursor", [{ path: "cursor", message: "not a cursor from nextCursor" }]);
}
