import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { onFreePort, startDaemon } from "./daemon";
import { startSigV4Front } from "./sigv4-front";

/** The bucket CORS rule of presigned browser uploads (README "Attachments"). */
const CORS_RULE = fileURLToPath(new URL("./s3-cors.xml", import.meta.url));

/** s3rver's built-in account; any other secret must be refused. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

export interface RunningS3 {
  /** The SigV4-checking endpoint, e.g. `http://127.0.0.1:41234` (path-style). */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The S3_* variables that point the Worker's archive at this server. */
  vars: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on a free 127.0.0.1 port with a fresh temp directory and the bucket
 * created, behind the SigV4-verifying front (see sigv4-front.ts). `stop` stops both and
 * removes the directory.
 *
 * s3rver runs as a child process with `--openssl-legacy-provider`: it encrypts its
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers from the legacy
 * provider, so without it every truncated listing is a 500.
 */
export async function startS3rver(options: { bucket?: string; region?: string } = {}): Promise<RunningS3> {
  const bucket = options.bucket ?? "consultation-chats";
  const region = options.region ?? "us-east-1";
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  const removeDirectory = () => rm(directory, { recursive: true, force: true });
  // Another process may bind the chosen port first: onFreePort then tries another one.
  const { daemon, port } = await onFreePort(async (port) => {
    const args = ["--openssl-legacy-provider", bin, "-d", directory, "-a", "127.0.0.1", "-p", String(port), "--silent"];
    const daemon = await startDaemon("s3rver", process.execPath, [...args, "--configure-bucket", bucket, CORS_RULE], async () => {
      // Anonymous requests pass s3rver's auth; 200 once the bucket exists.
      const res = await fetch(`http://127.0.0.1:${port}/${bucket}?list-type=2&max-keys=0`);
      await res.body?.cancel();
      return res.ok;
    });
    return { daemon, port };
  }).catch(async (e: unknown) => {
    await removeDirectory();
    throw e;
  });
  let front: Awaited<ReturnType<typeof startSigV4Front>>;
  try {
    // s3rver removes a directory once its last object is deleted, and two concurrent
    // deletes in one directory race on that (500 ENOENT). Objects that stay keep the
    // archive's two top-level directories from ever emptying while tests run in parallel.
    for (const keep of ["temp/.s3rver-keep", "archive/.s3rver-keep"]) {
      const res = await fetch(`http://127.0.0.1:${port}/${bucket}/${keep}`, { method: "PUT", body: "" });
      if (!res.ok) throw new Error(`s3rver refused ${keep}: HTTP ${res.status}`);
    }
    front = await startSigV4Front({
      credentials: { [S3RVER_ACCESS_KEY_ID]: S3RVER_SECRET_ACCESS_KEY },
      upstreamPort: port,
    });
  } catch (e) {
    await daemon.stop();
    await removeDirectory();
    throw e;
  }
  const endpoint = `http://127.0.0.1:${front.port}`;
  return {
    endpoint,
    region,
    bucket,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    vars: {
      S3_ENDPOINT: endpoint,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
      CHAT_ARCHIVE_BUCKET: bucket,
    },
    async stop() {
      await front.close();
      await daemon.stop();
      await removeDirectory();
    },
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** A running s3rver (see startS3rver); `vars` are the Worker's S3_* variables. */
    s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
    /** The endpoint of an s3rver that was started and stopped again: nothing listens. */
    s3StoppedEndpoint: string;
  }
}

/**
 * Vitest globalSetup (runs in Node): one live s3rver for the run, plus the address of one
 * that was stopped, for the "archive unreachable" tests.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3 = await startS3rver();
  const stopped = await startS3rver();
  await stopped.stop();
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = s3;
  project.provide("s3", { endpoint, region, bucket, accessKeyId, secretAccessKey });
  project.provide("s3StoppedEndpoint", stopped.endpoint);
  return () => s3.stop();
}
