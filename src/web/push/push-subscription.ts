/**
 * The browser's side of Web Push (SPEC 10): the service worker, the permission, the
 * subscription under the server's VAPID key, and telling the server. Asked for only from
 * the Notifications button, never on load.
 */
import { api } from "../api";

export type PushState = "unsupported" | "denied" | "off" | "on";

const WORKER_URL = "/sw.js";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(WORKER_URL, { scope: "/" });
  return navigator.serviceWorker.ready;
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const existing = await navigator.serviceWorker.getRegistration(WORKER_URL);
  return (await existing?.pushManager.getSubscription()) ? "on" : "off";
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const text = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Asks permission, subscribes and registers the subscription; returns the new state. */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if ((await Notification.requestPermission()) !== "granted") return Notification.permission === "denied" ? "denied" : "off";
  const { publicKey } = await api<{ publicKey: string }>("GET", "/api/push/vapid-public-key");
  const reg = await registration();
  let subscription = await reg.pushManager.getSubscription();
  // A subscription made under another key (the server's key changed) cannot be used.
  const current = subscription?.options.applicationServerKey;
  if (subscription && current && btoa(String.fromCharCode(...new Uint8Array(current))) !== btoa(String.fromCharCode(...keyBytes(publicKey)))) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  await api("POST", "/api/push/subscriptions", subscription.toJSON());
  return "on";
}

/** Unsubscribes this browser and tells the server. */
export async function disablePush(): Promise<PushState> {
  const reg = await navigator.serviceWorker.getRegistration(WORKER_URL);
  const subscription = await reg?.pushManager.getSubscription();
  if (subscription) {
    await api("DELETE", "/api/push/subscriptions", { endpoint: subscription.endpoint }).catch(() => undefined);
    await subscription.unsubscribe();
  }
  return "off";
}

/**
 * On sign-out: this browser's subscription belongs to the user who made it, so it is
 * dropped (the push service then answers 410 and the server prunes it, even when the
 * DELETE cannot be sent any more). Never throws.
 */
export function forgetPush(): void {
  if (pushSupported()) void disablePush().catch(() => undefined);
}
