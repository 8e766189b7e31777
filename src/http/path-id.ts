import { z } from "@hono/zod-openapi";

/**
 * SPEC section 14: a path id is a positive decimal integer written plainly: digits only,
 * no sign, no leading zero, no spaces, no `0x`/exponent/fraction forms, at most
 * Number.MAX_SAFE_INTEGER. Leading zeros are refused too, so every consultation has exactly
 * one URL (`/12`, never `/012`). A path that names no consultation is 404 (see the
 * validation hook in ./openapi.ts), not 400: the resource does not exist.
 */
export function pathId(name: string) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "must be a positive decimal integer")
    .transform(Number)
    .refine(Number.isSafeInteger, "is too large")
    .openapi({
      param: { name, in: "path" },
      type: "integer",
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "Written plainly: decimal digits, no sign, no leading zero; anything else is 404",
      example: 123,
    });
}
