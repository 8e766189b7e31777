import type { NotifyClient } from "../../push/push-client";
import type { DomainEvent, WebhookDeliveryMessage } from "../types";
import { deliverWebhook, nextWebhookStep, type DeliverOptions, type WebhookAttempt, type WebhookNextStep } from "./webhooks";

export interface WebhookConfig {
  urls: string[];
  secret: Uint8Array<ArrayBuffer>;
}

/** One delivery message per URL, so each URL is retried on its own schedule. */
export function webhookMessages(events: DomainEvent[], urls: readonly string[]): WebhookDeliveryMessage[] {
  return urls.map((url) => ({ v: 1, kind: "webhook", url, events, priorAttempts: 0 }));
}

/**
 * One attempt of a delivery message: every event the URL has not answered 2xx to yet (the
 * log remembers, so a redelivered message sends nothing twice) is POSTed, each attempt is
 * recorded, and the step for the rest follows the schedule of webhooks.ts, counted by
 * `attempt` (1-based over the delivery's whole life).
 */
export async function deliverWebhookMessage(
  body: WebhookDeliveryMessage,
  attempt: number,
  config: WebhookConfig,
  notify: NotifyClient,
  options: DeliverOptions = {},
): Promise<WebhookNextStep> {
  const log = notify.webhookLog();
  const pending = new Set(await log.undelivered(body.url, body.events.map((e) => e.id)));
  let failure: WebhookAttempt | null = null;
  const records = [];
  for (const event of body.events) {
    if (!pending.has(event.id)) continue;
    const result = await deliverWebhook(body.url, event, config.secret, options);
    records.push({ eventId: event.id, type: event.type, url: body.url, ok: result.ok, status: result.status, at: Date.now() });
    if (!result.ok) {
      failure ??= result;
      console.warn(`webhook ${event.id} to ${body.url}: ${result.error} (attempt ${attempt})`);
    }
  }
  if (records.length > 0) await log.record(records);
  return failure ? nextWebhookStep(failure, attempt) : { action: "done" };
}
