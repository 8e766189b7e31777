import { consultations } from "../api";
import type { View } from "../app-context";
import { h } from "../dom";
import { formatClock, formatTime, t } from "../i18n";
import type { QueueItem } from "../../protocol/inbox-frames";
import type { Consultation } from "../types";
import { errorBox } from "./error-box";

/**
 * The counselor's queue: unassigned requests, oldest first, kept live by the inbox
 * socket's `queue` frames (every category's whole queue). While the socket is down it
 * falls back to the REST queue, every 30 s. "Take" starts the chat at once; if another
 * counselor was faster the server answers 409 and the item is gone from the next frame.
 */
export const queueView: View = (root, ctx) => {
  const filter = h("input", { id: "queue-filter", type: "search", maxlength: 64 });
  const list = h("ul", { class: "queue", "aria-live": "polite" });
  const refreshed = h("p", { class: "help", "data-live": "" });
  const error = h("div", { role: "alert" });
  root.append(
    h("h1", {}, t("queueTitle")),
    h("div", { class: "field inline-field" }, h("label", { for: "queue-filter" }, t("queueFilter")), filter),
    refreshed,
    error,
    list,
  );

  /** The REST answer while the socket is down (null: show the live store). */
  let fallback: Consultation[] | null = null;

  function render(): void {
    const wanted = filter.value.trim();
    const store = ctx.inbox.store;
    const items: (Consultation & Partial<QueueItem>)[] =
      fallback ?? (wanted ? (store.queues.get(wanted) ?? []) : store.allQueued());
    list.replaceChildren(...(items.length ? items.map(item) : [h("li", { class: "empty" }, t("queueEmpty"))]));
  }

  async function refresh(): Promise<void> {
    try {
      const items = await consultations.queue(filter.value.trim() || undefined);
      error.replaceChildren();
      // The socket came back meanwhile: its queue is newer than this answer.
      if (ctx.inbox.status === "online") return render();
      fallback = items;
      refreshed.textContent = t("queueRefreshed", { time: formatClock(new Date().toISOString()) });
      render();
    } catch (e) {
      error.replaceChildren(errorBox(e, () => void refresh()));
    }
  }

  function item(c: Consultation & Partial<QueueItem>): HTMLLIElement {
    const take = h("button", { type: "button", class: "primary", "data-take": c.requestIdx }, t("queuePick"));
    take.addEventListener("click", async () => {
      take.disabled = true;
      try {
        await consultations.act(c.requestIdx, "start");
        ctx.navigate(`/consultations/${c.requestIdx}`);
      } catch (e) {
        take.disabled = false;
        error.replaceChildren(errorBox(e, () => (ctx.inbox.status === "online" ? render() : void refresh())));
      }
    });
    const place = c.queuePosition ? ` · ${t("queuePosition", { n: c.queuePosition })}` : "";
    return h(
      "li",
      { class: "card", "data-request": c.requestIdx },
      h("h2", {}, h("a", { href: `/consultations/${c.requestIdx}`, "data-link": true }, c.title)),
      h(
        "p",
        {},
        `${t("category")}: ${c.category ?? t("uncategorised")} · ${t("queueRequester")}: ${c.requesterName} (${c.requesterUserCode}) · ${t("queueWaitingSince")}: ${formatTime(c.waitingSince ?? c.createdAt)}${place}`,
      ),
      c.content ? h("p", { class: "excerpt" }, c.content) : null,
      take,
    );
  }

  filter.addEventListener("input", () => (ctx.inbox.status === "online" ? render() : void refresh()));
  const unsubscribe = ctx.inbox.subscribe((frame) => {
    if (frame.type !== "ready" && frame.type !== "queue") return;
    fallback = null;
    render();
  });
  const stopStatus = ctx.inbox.onStatus((status) => {
    refreshed.dataset.live = status;
    if (status === "online") {
      fallback = null;
      refreshed.textContent = t("liveOnline");
      render();
    } else {
      refreshed.textContent = status === "connecting" ? t("connecting") : t("liveOffline");
    }
  });
  const stopFallback = ctx.inbox.whileDown(() => void refresh());
  // Before the first `ready` (a fresh tab), show the REST queue once rather than nothing.
  if (!ctx.inbox.store.ready) void refresh();
  else render();
  return () => (unsubscribe(), stopStatus(), stopFallback());
};
