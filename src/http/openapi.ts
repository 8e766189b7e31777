import { z, type Hook } from "@hono/zod-openapi";
import { ApiError, type ErrorCode } from "../domain/errors";
import type { ApiApp, AppEnv } from "./app-env";

/** The `{error, code, details?}` body of every error response (SPEC section 3). */
export const ErrorSchema = z
  .object({
    error: z.string(),
    code: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS: Partial<Record<number, string>> = {
  400: "VALIDATION: the request is malformed (see `details`)",
  401: "UNAUTHORIZED: missing, malformed, expired or badly signed token",
  403: "FORBIDDEN: not allowed for this user",
  404: "NOT_FOUND: no such consultation",
  409: "INVALID_STATE: the consultation is not in a state that allows this",
  413: "TOO_LARGE: the body is over 64 KiB",
  503: "UPSTREAM_UNAVAILABLE: a store failed; nothing was changed",
};

/** OpenAPI response entries for the given error statuses (plus 500, which any route may give). */
export function errorResponses(...statuses: number[]) {
  const entries = [...statuses, 500].map((s) => [
    s,
    { description: ERROR_DESCRIPTIONS[s] ?? "INTERNAL", content: { "application/json": { schema: ErrorSchema } } },
  ]);
  return Object.fromEntries(entries) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const bearerSecurity = [{ bearerAuth: [] }];

/** Validation failures of any part of a request (JSON body, query, path) as 400 VALIDATION. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  const details = result.error.issues.map((i) => ({ path: i.path.map(String).join(".") || result.target, message: i.message }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
  throw new ApiError("VALIDATION" satisfies ErrorCode, `Invalid ${result.target}: ${summary}`, details);
};

/** `/openapi.json`, generated from the createRoute definitions registered on `app`. */
export function registerOpenApiDoc(app: ApiApp): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A JWT from the identity provider: `sub`, `name`, `role` claims",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Consultation chat",
      version: "1.0.0",
      description: "1:1 consultations (scheduled or from a support queue) with real-time chat and archived transcripts.",
    },
  });
}
