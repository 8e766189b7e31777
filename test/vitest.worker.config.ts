import { workerdConfig } from "./workerd-config";

/**
 * Worker tests inside workerd. The archive and cron suites run in test:archive instead,
 * where an s3rver is there for their S3 half (test/vitest.archive.config.ts).
 */
export default workerdConfig({
  include: ["test/worker/**/*.test.ts", "test/attachments/**/*.test.ts"],
  exclude: ["test/worker/archive*.test.ts", "test/worker/cron*.test.ts", "test/attachments/s3-*.test.ts"],
});
