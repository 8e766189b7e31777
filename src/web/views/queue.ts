import { consultations } from "../api";
import type { View } from "../app-context";
import { h } from "../dom";
import { formatClock, formatTime, t } from "../i18n";
import type { Consultation } from "../types";
import { errorBox } from "./error-box";

const POLL_MS = 5_000;

/**
 * The counselor's queue: unassigned requests, oldest first, refreshed every few seconds
 * while the tab is visible. "Take" starts the chat at once; if another counselor was
 * faster the server answers 409 and the list refreshes.
 */
export const queueView: View = (root, ctx) => {
  const filter = h("input", { id: "queue-filter", type: "search", maxlength: 64 });
  const list = h("ul", { class: "queue", "aria-live": "polite" });
  const refreshed = h("p", { class: "help" });
  const error = h("div", { role: "alert" });
  root.append(
    h("h1", {}, t("queueTitle")),
    h("div", { class: "field inline-field" }, h("label", { for: "queue-filter" }, t("queueFilter")), filter),
    refreshed,
    error,
    list,
  );

  let busy = false;
  async function refresh(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const items = await consultations.queue(filter.value.trim() || undefined);
      error.replaceChildren();
      list.replaceChildren(...(items.length ? items.map(item) : [h("li", { class: "empty" }, t("queueEmpty"))]));
      refreshed.textContent = t("queueRefreshed", { time: formatClock(new Date().toISOString()) });
    } catch (e) {
      error.replaceChildren(errorBox(e, () => void refresh()));
    } finally {
      busy = false;
    }
  }

  function item(c: Consultation): HTMLLIElement {
    const take = h("button", { type: "button", class: "primary", "data-take": c.requestIdx }, t("queuePick"));
    take.addEventListener("click", async () => {
      take.disabled = true;
      try {
        await consultations.act(c.requestIdx, "start");
        ctx.navigate(`/consultations/${c.requestIdx}`);
      } catch (e) {
        error.replaceChildren(errorBox(e, () => void refresh()));
        void refresh();
      }
    });
    return h(
      "li",
      { class: "card", "data-request": c.requestIdx },
      h("h2", {}, h("a", { href: `/consultations/${c.requestIdx}`, "data-link": true }, c.title)),
      h(
        "p",
        {},
        `${t("category")}: ${c.category ?? "-"} · ${t("queueRequester")}: ${c.requesterName} (${c.requesterUserCode}) · ${t("queueWaitingSince")}: ${formatTime(c.updatedAt)}`,
      ),
      c.content ? h("p", { class: "excerpt" }, c.content) : null,
      take,
    );
  }

  filter.addEventListener("input", () => void refresh());
  void refresh();
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, POLL_MS);
  return () => clearInterval(timer);
};
