/**
 * The browser app's service worker (built to public/sw.js by `npm run build:web`, scope
 * `/`): shows each Web Push (SPEC 10 payload `{title, body, url, requestIdx, type}`) and
 * opens its consultation on click, focusing a tab that already shows the app.
 *
 * The few service-worker types are declared here: the app's tsconfig uses the DOM library,
 * which cannot be combined with the WebWorker one.
 */
interface PushPayload {
  title: string;
  body: string;
  url: string;
  requestIdx: number;
  type: string;
}
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification & { data: unknown };
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<WindowClient>;
  navigate(url: string): Promise<WindowClient | null>;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly registration: ServiceWorkerRegistration;
  readonly clients: { matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>; openWindow(url: string): Promise<WindowClient | null> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "push", listener: (event: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEvent) => void): void;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
}

const worker = self as unknown as ServiceWorkerScope;

function payloadOf(event: PushEvent): PushPayload | null {
  try {
    const value = event.data?.json() as Partial<PushPayload> | undefined;
    return value && typeof value.title === "string" ? (value as PushPayload) : null;
  } catch {
    return null;
  }
}

/** Only paths of this app: a push can never send the user to another site. */
function sameOriginPath(url: unknown): string {
  if (typeof url !== "string") return "/";
  const target = new URL(url, worker.location.origin);
  return target.origin === worker.location.origin ? target.pathname + target.search : "/";
}

worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));

worker.addEventListener("push", (event) => {
  const payload = payloadOf(event);
  if (!payload) return;
  event.waitUntil(
    worker.registration.showNotification(payload.title, {
      body: payload.body,
      // One notification per consultation: a newer one replaces it instead of piling up.
      tag: `consultation-${payload.requestIdx}`,
      data: { url: sameOriginPath(payload.url) },
    }),
  );
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = sameOriginPath((event.notification.data as { url?: unknown } | null)?.url);
  event.waitUntil(
    (async () => {
      const tabs = await worker.clients.matchAll({ type: "window", includeUncontrolled: true });
      const tab = tabs.find((c) => new URL(c.url).origin === worker.location.origin);
      if (tab) {
        await tab.focus();
        await tab.navigate(path);
        return;
      }
      await worker.clients.openWindow(path);
    })(),
  );
});
