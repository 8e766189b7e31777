import { workerdConfig } from "./workerd-config";

/**
 * Delivery senders inside workerd, against stand-ins started in Node by the globalSetups
 * (test/services/push-service.ts, fcm-service.ts, webhook-receiver.ts): proves the Web
 * Crypto, jose and fetch options they use work in the Workers runtime.
 * The same senders' full behaviour is tested in Node (test/node/events/).
 */
export default workerdConfig({
  include: ["test/events/**/*.test.ts"],
  globalSetup: ["test/services/push-service.ts", "test/services/fcm-service.ts", "test/services/webhook-receiver.ts"],
  bindings: (inject) => ({
    TEST_PUSH_SERVICE: inject("pushServiceUrl"),
    TEST_FCM: inject("fcmService"),
    TEST_WEBHOOK_RECEIVER: inject("webhookReceiver"),
  }),
});
