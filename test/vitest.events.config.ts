import { workerdConfig } from "./workerd-config";

/**
 * Delivery senders inside workerd, against stand-ins started in Node by the globalSetup
 * (test/services/push-service.ts): proves the Web Crypto code runs in the Workers runtime.
 * The same senders' full behaviour is tested in Node (test/node/events/).
 */
export default workerdConfig({
  include: ["test/events/**/*.test.ts"],
  globalSetup: ["test/services/push-service.ts"],
  bindings: (inject) => ({ TEST_PUSH_SERVICE: inject("pushServiceUrl") }),
});
