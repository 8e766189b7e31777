import { AwsClient } from "aws4fetch";
import { upstreamError } from "../../domain/errors";
import { pipeExact } from "./exact-length";
import { parseErrorCode, parseListObjectsV2 } from "./list-objects";
import { BodyLengthError, type ArchiveStore } from "./port";

export interface S3ArchiveOptions {
  /** e.g. `http://127.0.0.1:9000` (MinIO), `https://<account>.r2.cloudflarestorage.com`, `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** true: `{endpoint}/{bucket}/{key}`; false: `{scheme}://{bucket}.{host}/{key}`. */
  forcePathStyle: boolean;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). */
  pageSize?: number;
  /** The transport; tests may route a virtual-hosted name to a local server. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * The production adapter: any S3 API (MinIO, R2's S3 endpoint, AWS) with SigV4 signatures
 * from aws4fetch. Every non-2xx answer and every network error becomes ApiError
 * UPSTREAM_UNAVAILABLE, so a rejected signature can never pass for a stored archive.
 * No automatic retries: ending is idempotent, so the caller's retry is the retry.
 */
export function createS3ArchiveStore(options: S3ArchiveOptions): ArchiveStore {
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    service: "s3",
    region: options.region,
  });
  const transport = options.fetch ?? ((request: Request) => fetch(request));
  const bucketUrl = bucketBaseUrl(options);
  const pageSize = Math.min(options.pageSize ?? 1000, 1000);

  /** Signs and sends one request; the status and body of a 2xx (or an allowed status). */
  async function send(what: string, url: string, init: RequestInit, allow: number[] = []): Promise<{ status: number; body: string }> {
    let status: number;
    let body: string;
    try {
      const bytes = typeof init.body === "string" ? new TextEncoder().encode(init.body) : undefined;
      const headers = new Headers(init.headers);
      // Sign the payload instead of aws4fetch's UNSIGNED-PAYLOAD default: the server then
      // rejects a body altered in transit.
      headers.set("x-amz-content-sha256", await sha256Hex(bytes ?? new Uint8Array()));
      const response = await transport(await client.sign(url, { ...init, headers, body: bytes }));
      status = response.status;
      body = await response.text();
    } catch (e) {
      throw upstreamError(`the archive (S3 ${what})`, e);
    }
    if ((status >= 200 && status < 300) || allow.includes(status)) return { status, body };
    throw upstreamError(`the archive (S3 ${what})`, new Error(`HTTP ${status} ${parseErrorCode(body) ?? ""}`.trim()));
  }

  /** A presigned URL (SigV4 in the query, `X-Amz-Expires` seconds) for `method` on `key`. */
  async function presign(method: string, key: string, expiresIn: number, headers: Record<string, string> = {}, query: Record<string, string> = {}) {
    const url = new URL(objectUrl(bucketUrl, key));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    url.searchParams.set("X-Amz-Expires", String(expiresIn));
    // allHeaders: aws4fetch leaves content-type and content-length out of a signature by
    // default; signed, the store refuses a PUT of another type or length.
    const signed = new URL((await client.sign(url.toString(), { method, headers, aws: { signQuery: true, allHeaders: true } })).url);
    // Re-spelled per RFC 3986: URLSearchParams writes a space as `+`, which SigV4
    // verifiers do not read as a space (a Content-Disposition override has spaces).
    const spelled = [...signed.searchParams].map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join("&");
    return `${signed.origin}${signed.pathname}?${spelled}`;
  }

  /** An unsigned-payload request for a streamed body (SigV4 cannot hash what it has not read). */
  async function stream(what: string, url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    let response: Response;
    try {
      const headers = { ...init.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
      const signed = await client.sign(url, { method: init.method, headers });
      response = await transport(new Request(signed.url, { method: init.method, headers: signed.headers, body: init.body ?? null }));
    } catch (e) {
      throw upstreamError(`the archive (S3 ${what})`, e);
    }
    return response;
  }

  return {
    browserOrigin: new URL(bucketUrl).origin,
    async head(key) {
      const response = await stream(`HEAD ${key}`, objectUrl(bucketUrl, key), { method: "HEAD", headers: {} });
      if (response.status === 404) return null;
      if (!response.ok) throw upstreamError(`the archive (S3 HEAD ${key})`, new Error(`HTTP ${response.status}`));
      return { size: Number(response.headers.get("content-length")) };
    },

    async presignPut(key, upload) {
      const headers = { "content-type": upload.contentType, "content-length": String(upload.size) };
      return { url: await presign("PUT", key, upload.expiresIn, headers), headers: { "Content-Type": upload.contentType } };
    },

    async presignGet(key, download) {
      return presign("GET", key, download.expiresIn, {}, {
        "response-content-type": download.contentType,
        "response-content-disposition": download.contentDisposition,
      });
    },

    async putStream(key, body, object) {
      const response = await pipeExact(body, object.size, (input) =>
        stream(`PUT ${key}`, objectUrl(bucketUrl, key), { method: "PUT", headers: { "content-type": object.contentType }, body: input }),
      ).catch((e: unknown) => {
        throw e instanceof BodyLengthError || (e as { code?: string }).code === "UPSTREAM_UNAVAILABLE" ? e : upstreamError(`the archive (S3 PUT ${key})`, e);
      });
      const text = await response.text();
      if (!response.ok) throw upstreamError(`the archive (S3 PUT ${key})`, new Error(`HTTP ${response.status} ${parseErrorCode(text) ?? ""}`.trim()));
    },

    async getStream(key) {
      const response = await stream(`GET ${key}`, objectUrl(bucketUrl, key), { method: "GET", headers: {} });
      if (response.status === 404) {
        missingKey(`GET ${key}`, await response.text());
        return null;
      }
      if (!response.ok || !response.body) {
        throw upstreamError(`the archive (S3 GET ${key})`, new Error(`HTTP ${response.status} ${parseErrorCode(await response.text()) ?? ""}`.trim()));
      }
      return { body: response.body, size: Number(response.headers.get("content-length")) };
    },

    async put(key, body, contentType) {
      await send(`PUT ${key}`, objectUrl(bucketUrl, key), {
        method: "PUT",
        headers: { "content-type": contentType },
        body,
      });
    },

    async get(key) {
      const { status, body } = await send(`GET ${key}`, objectUrl(bucketUrl, key), { method: "GET" }, [404]);
      return status === 404 ? missingKey(`GET ${key}`, body) : body;
    },

    // One DELETE per key, in turn, rather than DeleteObjects: a room has one or two
    // snapshots, every S3 API implements it the same way (no Content-MD5 or checksum
    // header rules), and s3rver's DeleteObjects races on its own directory cleanup.
    async delete(keys) {
      for (const key of keys) {
        const { status, body } = await send(`DELETE ${key}`, objectUrl(bucketUrl, key), { method: "DELETE" }, [404]);
        if (status === 404) missingKey(`DELETE ${key}`, body);
      }
    },

    async list(prefix) {
      const keys: string[] = [];
      let token: string | null = null;
      do {
        const params: [string, string][] = [["list-type", "2"], ["prefix", prefix], ["max-keys", String(pageSize)]];
        if (token) params.push(["continuation-token", token]);
        // RFC 3986 (%20), not URLSearchParams' form encoding: a `+` in a query is
        // ambiguous to SigV4 verifiers, so S3 clients never send one for a space.
        const query = params.map(([k, v]) => `${k}=${encodeSegment(v)}`).join("&");
        const { body } = await send(`ListObjectsV2 ${prefix}`, `${bucketUrl}?${query}`, { method: "GET" });
        let page;
        try {
          page = parseListObjectsV2(body);
        } catch (e) {
          throw upstreamError(`the archive (S3 ListObjectsV2 ${prefix})`, e);
        }
        keys.push(...page.keys);
        token = page.nextContinuationToken;
      } while (token);
      return keys.sort();
    },
  };
}

/**
 * A 404 is an absent object (null) only when S3 says NoSuchKey (or gives no error body,
 * as for HEAD-like answers); a missing bucket is a misconfiguration and throws.
 */
function missingKey(what: string, body: string): null {
  const code = parseErrorCode(body);
  if (code !== null && code !== "NoSuchKey") throw upstreamError(`the archive (S3 ${what})`, new Error(`HTTP 404 ${code}`));
  return null;
}

/**
 * The bucket's URL, without a trailing slash. An endpoint whose host already starts with `{bucket}.` is taken as the
 * bucket's own endpoint in either mode.
 */
export function bucketBaseUrl(options: Pick<S3ArchiveOptions, "endpoint" | "bucket" | "forcePathStyle">): string {
  const url = new URL(options.endpoint);
  const path = url.pathname.replace(/\/+$/, "");
  if (url.hostname.startsWith(`${options.bucket}.`)) return `${url.origin}${path}`;
  if (options.forcePathStyle) return `${url.origin}${path}/${encodeSegment(options.bucket)}`;
  return `${url.protocol}//${options.bucket}.${url.host}${path}`;
}

/** `{bucket url}/{key}`, each `/`-separated segment percent-encoded per RFC 3986 (S3's rule). */
export function objectUrl(bucketUrl: string, key: string): string {
  const segments = key.split("/");
  // fetch's URL parser would resolve "." and ".." segments (even encoded) and address
  // another object; such keys cannot be stored safely over HTTP.
  if (segments.some((s) => s === "." || s === "..")) throw new Error(`unsupported object key ${JSON.stringify(key)}`);
  return `${bucketUrl}/${segments.map(encodeSegment).join("/")}`;
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

