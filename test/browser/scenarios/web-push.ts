import type { CDPSession, Page } from "playwright-core";
import { check, checkEqual, type Scenario } from "../support/harness";

/** The app's service worker registration id, as Chromium's DevTools protocol names it. */
async function registrationId(cdp: CDPSession, scope: string): Promise<string> {
  return new Promise((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      const found = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (found) resolve(found.registrationId);
    });
    void cdp.send("ServiceWorker.enable");
  });
}

const notifications = (page: Page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url?: string } | null)?.url ?? null }));
  });

/**
 * SPEC 10 in the browser: nothing asks for notification permission on load (the header's
 * Notifications button does, on a click); the service worker from public/sw.js shows a
 * push as a notification per consultation, and keeps its link inside the app. (Headless
 * Chromium cannot reach a real push service to subscribe, so the push is handed to the
 * service worker through the DevTools protocol; the server side of subscribing and
 * pushing runs against the push-service stand-in in test/node/e2e/notify.e2e.test.ts.)
 */
export const webPush: Scenario = {
  name: "web push: permission only from the button; the service worker shows pushes",
  async run(world) {
    const { context, page } = await world.person("STU001");
    const button = page.locator("header button[data-push]");
    await button.waitFor();
    checkEqual(await button.textContent(), "알림 켜기", "the Notifications button offers to turn them on");
    checkEqual(await page.evaluate(() => Notification.permission), "default", "no permission was asked on load");
    checkEqual(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, "no service worker before the button is used");

    // What the button does before subscribing: permission, then the service worker.
    await context.grantPermissions(["notifications"]);
    const cdp = await context.newCDPSession(page);
    const origin = new URL(world.baseUrl).origin;
    const id = registrationId(cdp, `${origin}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
    });
    const payload = (requestIdx: number, body: string, url: string) =>
      JSON.stringify({ title: "김교수님의 새 메시지 3개", body, url, requestIdx, type: "message.batch" });
    type Shown = Awaited<ReturnType<typeof notifications>>;
    /** Delivers one push and waits (bounded) until the service worker has shown what `shows` expects. */
    const deliver = async (data: string, shows: (list: Shown) => boolean): Promise<Shown> => {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: await id, data });
      let list = await notifications(page);
      for (let i = 0; i < 200 && !shows(list); i++) {
        await page.waitForTimeout(100);
        list = await notifications(page);
      }
      return list;
    };
    // One at a time, each once it is on screen: the second push of consultation 7 then meets
    // a notification that is showing, which is what "a newer push replaces it" is about.
    const hasBody = (body: string) => (list: Shown) => list.some((n) => n.tag === "consultation-7" && n.body === body);
    checkEqual((await deliver(payload(7, "메시지 3", "/consultations/7"), hasBody("메시지 3"))).length, 1, "the first push is shown");
    const replaced = await deliver(payload(7, "메시지 5", "/consultations/7"), hasBody("메시지 5"));
    checkEqual(replaced.map((n) => n.body), ["메시지 5"], "a newer push of consultation 7 replaces the one on screen");
    const shown = await deliver(payload(8, "x", "https://evil.example/phish"), (list) => list.some((n) => n.tag === "consultation-8"));
    const byTag = Object.fromEntries(shown.map((n) => [n.tag, n]));
    checkEqual(shown.map((n) => n.tag).sort(), ["consultation-7", "consultation-8"], "one notification per consultation (a newer push replaces the older)");
    checkEqual(byTag["consultation-7"], { title: "김교수님의 새 메시지 3개", body: "메시지 5", tag: "consultation-7", url: "/consultations/7" }, "the newest push of consultation 7");
    check(byTag["consultation-8"]?.url === "/", `a link off the app's origin is never followed: ${JSON.stringify(byTag["consultation-8"])}`);
  },
};
