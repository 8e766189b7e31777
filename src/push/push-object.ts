import { DurableObject } from "cloudflare:workers";
import { getServices } from "../config/services";
import { createFcmSender, type FcmSender } from "../events/consumers/fcm";
import { messageBatchNotification, type Locale, type PushPayload } from "../events/consumers/notification-text";
import type { PushOutcome } from "../events/consumers/push-outcome";
import { createWebPushSender, type PushSubscriptionJson, type WebPushSender } from "../events/consumers/web-push";
import { PushTargets, type PushTarget } from "./push-targets";
import { PushWindows, type PushableMessage } from "./push-windows";

/** Seconds before a window whose push met a temporary failure is tried again. */
export const PUSH_RETRY_SECONDS = 30;

export interface PushSettings {
  webPush: WebPushSender | null;
  fcm: FcmSender | null;
  batchSeconds: number;
  locale: Locale;
  /** The user's unread count in a room, from the room's read marks (SPEC 9). */
  unreadIn(requestIdx: number, userCode: string): Promise<number>;
}

/** What one push to all of a user's devices came to. */
export interface PushReport {
  sent: number;
  pruned: number;
  /** Devices that failed for now; the caller retries (the devices already reached are skipped). */
  retry: number;
}

/**
 * One user's push object (SPEC section 10), named by user code: their devices (Web Push
 * subscriptions, FCM tokens), the dedupe of events (delivery is at least once), and the
 * message batching windows on the object's one alarm. The queue consumer calls it; it
 * sends the pushes itself, so a user's devices and windows have one writer.
 */
export class PushDO extends DurableObject<Env> {
  private readonly targets: PushTargets;
  private readonly windows: PushWindows;
  private settingsCache: PushSettings | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.targets = new PushTargets(ctx.storage.sql);
    this.windows = new PushWindows(ctx.storage.sql);
  }

  /** The senders from the configuration (src/config/services.ts); a subclass in tests may hand others. */
  protected settings(env: Env): PushSettings {
    const { config, rooms } = getServices(env);
    const { vapid, fcm, batchSeconds } = config.push;
    return {
      webPush: vapid ? createWebPushSender(vapid) : null,
      fcm: fcm ? createFcmSender(fcm.account, { endpoint: fcm.endpoint }) : null,
      batchSeconds,
      locale: config.transcript.locale,
      unreadIn: (requestIdx, userCode) => rooms.unreadFor(requestIdx, userCode),
    };
  }

  private get config(): PushSettings {
    this.settingsCache ??= this.settings(this.env);
    return this.settingsCache;
  }

  // ---- devices (the /api/push routes) ----

  async addSubscription(subscription: PushSubscriptionJson): Promise<void> {
    this.targets.addWebPush(subscription, Date.now());
  }

  async addFcmToken(token: string): Promise<void> {
    this.targets.addFcm(token, Date.now());
  }

  /** Returns how many devices the user still has (0: the counselor registry forgets them). */
  async removeTarget(kind: PushTarget["kind"], address: string): Promise<number> {
    this.targets.remove(kind, address);
    return this.targets.count();
  }

  async targetCount(): Promise<number> {
    return this.targets.count();
  }

  // ---- pushes (the queue consumer) ----

  /** A lifecycle event's push, to every device once (by event id). */
  async pushEvent(eventId: string, payload: PushPayload): Promise<PushReport> {
    return this.sendToAll(eventId, payload, `consultation-${payload.requestIdx}`);
  }

  /** New messages in a room none of this user's devices has open: counted into its window. */
  async messagesArrived(userCode: string, requestIdx: number, messages: PushableMessage[]): Promise<number> {
    if (this.targets.count() === 0) return 0;
    const now = Date.now();
    const added = this.windows.offer(userCode, requestIdx, messages, now, this.config.batchSeconds * 1000);
    if (added > 0) await this.rearm();
    return added;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const w of this.windows.due(now)) {
      // Read meanwhile on some device (the room's read marks say so): nothing to tell.
      if ((await this.unreadNow(w.requestIdx, w.userCode)) === 0) {
        this.windows.close(w.requestIdx);
        continue;
      }
      const payload = messageBatchNotification(
        { requestIdx: w.requestIdx, count: w.count, senderName: w.senderName, last: { type: w.lastType, content: w.lastPreview } },
        this.config.locale,
      );
      const report = await this.sendToAll(`batch:${w.requestIdx}:${w.openedAt}`, payload, `room-${w.requestIdx}`);
      if (report.retry > 0) this.windows.postpone(w.requestIdx, now + PUSH_RETRY_SECONDS * 1000);
      else this.windows.close(w.requestIdx);
    }
    this.windows.prune(now);
    await this.rearm();
  }

  /** null when the room cannot say (then the push goes: better one too many than a lost one). */
  private async unreadNow(requestIdx: number, userCode: string): Promise<number | null> {
    try {
      return await this.config.unreadIn(requestIdx, userCode);
    } catch (e) {
      console.warn(`unread count of ${userCode} in ${requestIdx} unavailable; pushing anyway`, e);
      return null;
    }
  }

  private async rearm(): Promise<void> {
    const next = this.windows.nextDue();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }

  /** One push per device and delivery key; 404/410 (Web Push) and UNREGISTERED (FCM) prune the device. */
  private async sendToAll(delivery: string, payload: PushPayload, topic: string): Promise<PushReport> {
    const report: PushReport = { sent: 0, pruned: 0, retry: 0 };
    for (const target of this.targets.all()) {
      if (this.windows.wasSent(delivery, target.id)) continue;
      const outcome = await this.sendOne(target, payload, topic);
      if (outcome.kind === "retry") {
        report.retry++;
        continue;
      }
      if (outcome.kind === "gone") {
        this.targets.removeById(target.id);
        report.pruned++;
      } else if (outcome.kind === "ok") {
        report.sent++;
      } else {
        // Sending the same request again cannot succeed (bad keys, refused payload): log and drop.
        console.error(`push to ${target.kind} device failed for good: ${outcome.reason}`);
      }
      this.windows.markSent(delivery, target.id, Date.now());
    }
    return report;
  }

  private async sendOne(target: PushTarget, payload: PushPayload, topic: string): Promise<PushOutcome> {
    if (target.kind === "webpush") {
      const sender = this.config.webPush;
      if (!sender) return { kind: "failed", status: null, reason: "Web Push is not configured (VAPID_*)" };
      return sender.send(target.subscription, payload, { topic, urgency: "high" });
    }
    const sender = this.config.fcm;
    if (!sender) return { kind: "failed", status: null, reason: "FCM is not configured (FCM_SERVICE_ACCOUNT)" };
    return sender.send(target.token, payload, { collapseKey: topic, urgency: "high" });
  }
}
