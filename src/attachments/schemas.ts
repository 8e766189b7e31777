import { z } from "@hono/zod-openapi";
import { pathId } from "../http/path-id";

/** Request and response shapes of the attachment routes (also the OpenAPI document). */

export const AttachmentParams = z.object({
  id: pathId("id"),
  attachmentId: z.uuid().openapi({ param: { name: "attachmentId", in: "path" } }),
});

export const GrantRequest = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "name is empty")
      .max(255, "name exceeds 255 characters")
      // Control characters have no place in a file name and could forge transcript lines.
      .refine((n) => !/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(n), "name contains control characters")
      .openapi({ example: "보고서 초안.pdf" }),
    size: z.number().int().positive("size must be at least 1 byte").max(Number.MAX_SAFE_INTEGER).openapi({ description: "Bytes; at most ATTACHMENT_MAX_BYTES (else 413)" }),
    contentType: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, "contentType must be a type/subtype without parameters")
      .openapi({ example: "application/pdf", description: "One of ATTACHMENT_TYPES (else 400)" }),
  })
  .openapi("AttachmentGrantRequest");

export const GrantResponse = z
  .object({
    attachmentId: z.uuid(),
    upload: z.object({
      url: z.string().openapi({ description: "PUT exactly `size` bytes here with these headers; the URL is the grant (no bearer token)" }),
      method: z.literal("PUT"),
      headers: z.record(z.string(), z.string()),
    }),
    expiresIn: z.number().int().openapi({ description: "Seconds the upload URL stays valid" }),
  })
  .openapi("AttachmentGrant");

export const UploadQuery = z.object({
  exp: z.string().regex(/^\d{1,12}$/, "exp must be epoch seconds").openapi({ description: "Expiry of the grant" }),
  sig: z.string().min(1).max(128).openapi({ description: "The grant's signature" }),
});

/** The `attachment` of a FILE message. */
export const AttachmentRefSchema = z
  .object({ id: z.string(), name: z.string(), size: z.number().int(), contentType: z.string() })
  .openapi("AttachmentRef");

export const DownloadLink = z
  .object({
    url: z.string().nullable().openapi({ description: "A presigned GET (S3 adapter); null with the R2 binding" }),
    expiresIn: z.number().int(),
  })
  .openapi("AttachmentLink");
