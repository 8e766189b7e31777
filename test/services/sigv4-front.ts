import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * s3rver 3.7 parses SigV4 `Authorization` headers but only checks that the access key
 * exists; it never recomputes the signature. This front does, from the AWS SigV4 rules
 * (written here independently of aws4fetch), and forwards valid requests to s3rver. A
 * wrong secret, a tampered body or a badly encoded key then fails the way it would on S3:
 * 403 SignatureDoesNotMatch (or 400 XAmzContentSHA256Mismatch). Presigned URLs (the
 * signature in the query, as for attachment uploads) are checked the same way, with
 * their expiry and signed headers, so a PUT of another content type or length fails.
 *
 * Virtual-hosted requests (`{bucket}.{host}`) are rewritten to s3rver's path style. Tests
 * that cannot resolve such a name send to 127.0.0.1 and name the signed host in
 * `x-forwarded-host`.
 */
export interface SigV4FrontOptions {
  credentials: Record<string, string>;
  upstreamPort: number;
}

export async function startSigV4Front(options: SigV4FrontOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let problem: Problem | null;
      try {
        // A CORS preflight is never signed (S3 answers it from the bucket's CORS rule).
        problem = req.method === "OPTIONS" ? null : verify(req, body, options.credentials);
      } catch (e) {
        problem = { status: 400, code: "InvalidURI", message: String(e) };
      }
      if (problem) {
        res.writeHead(problem.status, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${problem.code}</Code><Message>${problem.message}</Message></Error>`);
        return;
      }
      forward(req, body, options.upstreamPort, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

interface Problem {
  status: number;
  code: string;
  message: string;
}

function signedHost(req: http.IncomingMessage): string {
  return String(req.headers["x-forwarded-host"] ?? req.headers.host ?? "");
}

/** The parts of a SigV4 signature, from the Authorization header or a presigned URL's query. */
interface SignatureParts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  payloadHash: string;
  /** The query as signed (a presigned URL's own X-Amz-Signature left out). */
  rawQuery: string;
}

function headerSignature(req: http.IncomingMessage, rawQuery: string): SignatureParts | Problem {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { status: 403, code: "AccessDenied", message: "missing or malformed SigV4 Authorization" };
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders!, signature: signature!, amzDate: String(req.headers["x-amz-date"] ?? ""), payloadHash, rawQuery };
}

/**
 * A presigned URL (SigV4 query parameters), as S3 checks one: the payload is unsigned,
 * the URL expires `X-Amz-Expires` seconds after `X-Amz-Date`, and every header named in
 * `X-Amz-SignedHeaders` (content-type and content-length of an upload grant) must carry
 * the signed value, so another type or a longer body fails the signature.
 */
function querySignature(rawQuery: string, now: Date): SignatureParts | Problem {
  const params = new URLSearchParams(rawQuery);
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(params.get("X-Amz-Credential") ?? "");
  const amzDate = params.get("X-Amz-Date") ?? "";
  const expires = Number(params.get("X-Amz-Expires"));
  const signature = params.get("X-Amz-Signature") ?? "";
  if (params.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || !credential || !/^[0-9a-f]{64}$/.test(signature) || !params.get("X-Amz-SignedHeaders")) {
    return { status: 403, code: "AccessDenied", message: "malformed presigned URL" };
  }
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dateMatch || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    return { status: 400, code: "AuthorizationQueryParametersError", message: "bad X-Amz-Date or X-Amz-Expires" };
  }
  const [, y, mo, d, h, mi, sec] = dateMatch.map(Number) as number[];
  const signedAt = Date.UTC(y!, mo! - 1, d!, h!, mi!, sec!);
  if (now.getTime() > signedAt + expires * 1000) return { status: 403, code: "AccessDenied", message: "Request has expired" };
  const [, accessKeyId, date, region, service] = credential as unknown as string[];
  const unsigned = rawQuery.split("&").filter((pair) => !pair.startsWith("X-Amz-Signature=")).join("&");
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: params.get("X-Amz-SignedHeaders")!, signature, amzDate, payloadHash: "UNSIGNED-PAYLOAD", rawQuery: unsigned };
}

function verify(req: http.IncomingMessage, body: Buffer, credentials: Record<string, string>): Problem | null {
  const [rawPath = "", rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s);
  const presigned = req.headers.authorization === undefined && /(^|&)X-Amz-Signature=/.test(rawQuery);
  const parts = presigned ? querySignature(rawQuery, new Date()) : headerSignature(req, rawQuery);
  if ("status" in parts) return parts;
  const { accessKeyId, date, region, service, signedHeaders, signature, amzDate, payloadHash } = parts;
  const secret = credentials[accessKeyId];
  if (secret === undefined) return { status: 403, code: "InvalidAccessKeyId", message: "unknown access key" };

  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256(body)) {
    return { status: 400, code: "XAmzContentSHA256Mismatch", message: "payload hash mismatch" };
  }
  const names = signedHeaders.split(";");
  if (!names.includes("host")) return { status: 403, code: "AccessDenied", message: "host is not signed" };
  // The body that arrived must be the length the request declared (and maybe signed).
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) !== body.length) {
    return { status: 400, code: "IncompleteBody", message: "the body is not Content-Length bytes" };
  }

  const canonical = [
    req.method,
    rawPath.split("/").map((s) => rfc3986(decodeURIComponent(s))).join("/"),
    canonicalQuery(parts.rawQuery),
    names.map((n) => `${n}:${headerValue(req, n)}\n`).join(""),
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const expected = createHmac("sha256", key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return { status: 403, code: "SignatureDoesNotMatch", message: "the request signature does not match" };
  }
  return null;
}

function headerValue(req: http.IncomingMessage, name: string): string {
  const raw = name === "host" ? signedHost(req) : req.headers[name];
  const value = Array.isArray(raw) ? raw.join(",") : String(raw ?? "");
  return value.trim().replace(/\s+/g, " ");
}

function canonicalQuery(raw: string): string {
  if (!raw) return "";
  return raw
    .split("&")
    .map((pair) => {
      const [k = "", v = ""] = pair.split(/=(.*)/s);
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

function forward(req: http.IncomingMessage, body: Buffer, upstreamPort: number, res: http.ServerResponse) {
  const hostname = signedHost(req).replace(/:\d+$/, "");
  const virtualBucket = /^[\d.]+$/.test(hostname) || hostname === "localhost" ? null : hostname.split(".")[0];
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
  delete headers["x-forwarded-host"];
  const upstream = http.request(
    {
      host: "127.0.0.1",
      port: upstreamPort,
      method: req.method,
      path: virtualBucket ? `/${virtualBucket}${req.url}` : req.url,
      headers,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", (e) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(String(e));
  });
  upstream.end(body);
}
