import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { TestProject } from "vitest/node";
import { json, startRawHttpService, type RawReply } from "./raw-http";

/**
 * A system around the service (an LMS, a help desk) receiving webhooks: every delivery
 * is verified with the unmodified `standardwebhooks` package (signature, id, timestamp
 * within its 5-minute tolerance) and refused with 400 when it does not verify. It can
 * answer the first N attempts of each event with an error (or not at all), and records
 * every attempt and, per `webhook-id`, each time it answered 2xx.
 */

export interface ReceiverAttempt {
  webhookId: string | null;
  status: number;
  verified: boolean;
  error?: string;
}

export interface WebhookReceiver {
  url: string;
  attempts: ReceiverAttempt[];
  /** webhook-id → the verified events it accepted (2xx), in order. */
  accepted: Map<string, unknown[]>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secret: string;
  /** Answer the first N attempts of each webhook-id with `failStatus`. */
  failFirst?: number;
  failStatus?: number;
  /** Answer every request with this status (after verifying). */
  alwaysStatus?: number;
  /** Never answer (the sender's timeout decides). */
  hang?: boolean;
  /** Answer with a redirect to this URL. */
  redirectTo?: string;
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const verifier = new Webhook(options.secret);
  const attempts: ReceiverAttempt[] = [];
  const accepted = new Map<string, unknown[]>();
  const seen = new Map<string, number>();

  const server = await startRawHttpService((req): Promise<RawReply> | RawReply => {
    // For tests inside workerd, which cannot read this process's arrays.
    if (req.method === "GET" && req.path === "/_control/attempts") return json(200, { attempts, accepted: Object.fromEntries(accepted) });
    if (options.hang) return new Promise<RawReply>(() => {});
    const webhookId = typeof req.headers["webhook-id"] === "string" ? req.headers["webhook-id"] : null;
    const record = (status: number, verified: boolean, error?: string) => attempts.push({ webhookId, status, verified, ...(error ? { error } : {}) });
    let event: unknown;
    try {
      event = verifier.verify(req.body.toString("utf8"), req.headers as Record<string, string>);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      record(400, false, error);
      return json(400, { error });
    }
    if (req.method !== "POST" || req.headers["content-type"] !== "application/json") {
      record(415, true, "expected a JSON POST");
      return json(415, { error: "expected a JSON POST" });
    }
    const n = (seen.get(webhookId!) ?? 0) + 1;
    seen.set(webhookId!, n);
    if (options.redirectTo) {
      record(307, true);
      return { status: 307, headers: { location: options.redirectTo } };
    }
    const status = options.alwaysStatus ?? (n <= (options.failFirst ?? 0) ? (options.failStatus ?? 503) : 204);
    record(status, true);
    if (status >= 200 && status < 300) accepted.set(webhookId!, [...(accepted.get(webhookId!) ?? []), event]);
    return { status };
  });

  return { url: `${server.url}/hooks`, attempts, accepted, close: () => server.close() };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** A receiver (secret given) that fails the first attempt of every event, started below. */
    webhookReceiver: { url: string; control: string; secret: string };
  }
}

/** Vitest globalSetup: a webhook receiver for a workerd run, failing each event's first attempt. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const receiver = await startWebhookReceiver({ secret, failFirst: 1 });
  project.provide("webhookReceiver", { url: receiver.url, control: receiver.url.replace(/\/hooks$/, "/_control/attempts"), secret });
  return () => receiver.close();
}
