import { workerdConfig } from "./workerd-config";

/**
 * Archive and cron tests inside workerd, with a real s3rver (started in Node by the
 * globalSetup of test/services/s3rver.ts) handed in as bindings, so the same suites run
 * against the R2 binding and the S3 adapter.
 */
export default workerdConfig({
  include: ["test/worker/archive*.test.ts", "test/worker/cron*.test.ts", "test/attachments/s3-*.test.ts", "test/cron/**/*.test.ts"],
  globalSetup: ["test/services/s3rver.ts"],
  bindings: (inject) => ({
    TEST_S3: inject("s3"),
    TEST_S3_STOPPED_ENDPOINT: inject("s3StoppedEndpoint"),
  }),
});
