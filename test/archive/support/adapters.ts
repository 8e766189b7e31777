import { env } from "cloudflare:workers";
import type { ArchiveStore } from "../../../src/stores/archive-store/port";
import { createR2ArchiveStore } from "../../../src/stores/archive-store/r2";
import { createS3ArchiveStore, type S3ArchiveOptions } from "../../../src/stores/archive-store/s3";

/**
 * The archive adapters the archive suites run against: always the R2 binding; the S3
 * adapter too when the archive project (test/vitest.config.ts) handed in a running s3rver.
 */
export interface TestS3 {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const testEnv = env;

export const testS3: TestS3 | null = testEnv.TEST_S3 ?? null;
export const stoppedS3Endpoint: string | null = testEnv.TEST_S3_STOPPED_ENDPOINT ?? null;

export function s3Store(overrides: Partial<S3ArchiveOptions> = {}): ArchiveStore {
  if (!testS3) throw new Error("no s3rver: run in the archive project (npm run test:archive)");
  return createS3ArchiveStore({ ...testS3, forcePathStyle: true, ...overrides });
}

export interface AdapterCase {
  name: string;
  make(options?: { pageSize?: number }): ArchiveStore;
}

export const adapterCases: AdapterCase[] = [
  { name: "R2 binding", make: (o) => createR2ArchiveStore(testEnv.ARCHIVE, o) },
  ...(testS3 ? [{ name: "S3 (s3rver)", make: (o?: { pageSize?: number }) => s3Store(o) }] : []),
];

/**
 * A request number no other test uses: s3rver's bucket lives for the whole run and is
 * shared by every test file, unlike R2's per-file storage.
 */
export function freshRequestIdx(): number {
  return 1_000_000 + crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000_000;
}
