import type { Config } from "../../config/config";
import type { NotifyClient } from "../../push/push-client";
import type { EventBatchMessage, EventsQueueBody, PushRetryMessage, WebhookDeliveryMessage } from "../types";
import { dispatchPush } from "./push-dispatch";
import { deliverWebhookMessage, webhookMessages } from "./webhook-dispatch";

/** wrangler.toml [[queues.consumers]]: the dead-letter queue's name (the Worker consumes both). */
export const DEAD_LETTER_QUEUE = "consultation-events-dlq";

/** Seconds before a push step that failed for now is tried again. */
export const PUSH_RETRY_DELAY_SECONDS = 30;

export interface ConsumerDeps {
  config: Pick<Config, "webhooks" | "transcript">;
  notify: NotifyClient;
  /** The EVENTS queue: the consumer adds the per-URL deliveries and push retries to it. */
  events: Queue<EventsQueueBody>;
  /** The dead-letter queue: a delivery whose retries are spent goes there. */
  deadLetters: Queue<EventsQueueBody>;
}

/**
 * The EVENTS queue's consumer (src/index.ts `queue`). Each message is handled on its own
 * and acked or retried on its own, so one bad message never holds up the batch:
 * - a batch from the service or a room: fan out one webhook delivery message per URL, then
 *   the push step (a push that failed for now continues as its own delayed message);
 * - a webhook delivery: one attempt, then `retry({delaySeconds})` on the schedule, or the
 *   dead-letter queue once it is spent;
 * - a push retry: the push step again.
 * The inbox sockets are not fed from here (they are told directly; README).
 */
export async function consumeEvents(batch: MessageBatch<EventsQueueBody>, deps: ConsumerDeps): Promise<void> {
  for (const message of batch.messages) {
    try {
      await consumeOne(message, deps);
    } catch (e) {
      console.error(`event message ${message.id} failed (attempt ${message.attempts}); retried by the queue`, e);
      message.retry({ delaySeconds: PUSH_RETRY_DELAY_SECONDS });
    }
  }
}

async function consumeOne(message: Message<EventsQueueBody>, deps: ConsumerDeps): Promise<void> {
  const body = message.body;
  if (!body || body.v !== 1) throw new Error(`unknown event message shape ${JSON.stringify(body).slice(0, 100)}`);
  if ("kind" in body && body.kind === "webhook") return webhookStep(message as Message<WebhookDeliveryMessage>, deps);
  if ("kind" in body && body.kind === "push") {
    await dispatchPush(body.events, body.offline, deps.notify, deps.config.transcript.locale);
    return message.ack();
  }
  const events = (body as EventBatchMessage).events;
  const hooks = deps.config.webhooks;
  // Fanned out first: if this throws, nothing happened yet and the whole message is retried.
  if (hooks && events.length > 0) await deps.events.sendBatch(webhookMessages(events, hooks.urls).map((b) => ({ body: b, contentType: "json" as const })));
  const offline = (body as EventBatchMessage).offline ?? [];
  try {
    await dispatchPush(events, offline, deps.notify, deps.config.transcript.locale);
  } catch (e) {
    console.warn("push step failed for now; continues as its own message", e);
    const retry: PushRetryMessage = { v: 1, kind: "push", events, offline };
    await deps.events.send(retry, { contentType: "json", delaySeconds: PUSH_RETRY_DELAY_SECONDS });
  }
  message.ack();
}

async function webhookStep(message: Message<WebhookDeliveryMessage>, deps: ConsumerDeps): Promise<void> {
  const body = message.body;
  const hooks = deps.config.webhooks;
  if (!hooks || !hooks.urls.includes(body.url)) {
    console.warn(`webhook delivery to ${body.url} dropped: the URL is no longer in WEBHOOK_URLS`);
    return message.ack();
  }
  const step = await deliverWebhookMessage(body, body.priorAttempts + message.attempts, hooks, deps.notify);
  if (step.action === "retry") return message.retry({ delaySeconds: step.delaySeconds });
  if (step.action === "dead-letter") await deps.deadLetters.send(body, { contentType: "json" });
  message.ack();
}

/**
 * The dead-letter queue's consumer: what the queue gave up on, or a webhook delivery whose
 * schedule is spent. Logged, and webhook deliveries are marked in the log for admins.
 */
export async function consumeDeadLetters(batch: MessageBatch<EventsQueueBody>, deps: Pick<ConsumerDeps, "notify">): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body;
    const ids = body?.events?.map((e) => e.id) ?? [];
    console.error(`dead letter: ${"kind" in body ? body.kind : "batch"} message with events ${ids.join(", ")}`);
    if ("kind" in body && body.kind === "webhook") {
      await deps.notify.webhookLog().deadLettered(body.url, body.events.map((e) => ({ eventId: e.id, type: e.type })), Date.now());
    }
    message.ack();
  }
}
