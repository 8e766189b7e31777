/**
 * The Worker's typed reach into the push objects and the webhook log (the routes and the
 * queue consumer); nothing else names their bindings.
 */
export function createNotifyClient(env: Env) {
  return {
    /** A user's PushDO: devices, dedupe, batching windows. */
    push: (userCode: string) => env.PUSH.getByName(userCode),
    /** The registry of counselors with a push device (queue requests). */
    counselors: () => env.PUSH_COUNSELORS.getByName("all"),
    /** The webhook deliveries log. */
    webhookLog: () => env.WEBHOOK_LOG.getByName("all"),
  };
}

export type NotifyClient = ReturnType<typeof createNotifyClient>;
