// The `env` of workerd tests ("cloudflare:workers" / "cloudflare:test"): the Worker's
// generated bindings (src/worker-configuration.d.ts), the variables tests override, and
// what test/support/workerd-project.ts adds (migrations, addresses of the Node-side services).
type TestOnlyBindings = Omit<import("../../src/config/config").ConfigVars, keyof __BaseEnv_Env> & {
  TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  /** test:archive: the s3rver started by test/services/s3rver.ts. */
  TEST_S3?: import("../archive/support/adapters").TestS3;
  TEST_S3_STOPPED_ENDPOINT?: string;
  /** test:contract: the production stack of test/services/stack.ts. */
  TEST_STACK?: import("../services/stack").StackInfo;
};

declare namespace Cloudflare {
  interface Env extends TestOnlyBindings {}
}
interface Env extends TestOnlyBindings {}
