import { consultations } from "../api";
import type { View } from "../app-context";
import { append, h } from "../dom";
import { formatTime, statusLabel, t } from "../i18n";
import type { Consultation } from "../types";
import { counterpart } from "./consultation-rules";
import { errorBox } from "./error-box";

const PAGE = 20;

/**
 * "My consultations": newest first, with status, counterpart, unread count and last
 * activity. Pages come from the REST list; after that the inbox socket keeps the rows
 * live (new requests, status changes, unread counts from the server's read marks). It
 * reloads only when the socket comes back after a drop, and every 30 s while it is down.
 */
export const consultationsView: View = (root, ctx) => {
  const me = ctx.session.userCode;
  const body = h("tbody");
  const table = h(
    "table",
    { class: "list" },
    h("caption", { class: "visually-hidden" }, t("mineTitle")),
    h(
      "thead",
      {},
      h("tr", {}, ...["colTitle", "colStatus", "colCounterpart", "colUnread", "colActivity"].map((k) => h("th", { scope: "col" }, t(k as "colTitle")))),
    ),
    body,
  );
  const status = h("div", { "aria-live": "polite" });
  const more = h("button", { type: "button", hidden: true }, t("loadMore"));
  let showAll = false;
  const allToggle = ctx.caps.admin
    ? h(
        "label",
        { class: "inline" },
        h("input", {
          type: "checkbox",
          onchange: (e: Event) => ((showAll = (e.target as HTMLInputElement).checked), void load(null)),
        }),
        " ",
        t("showAll"),
      )
    : null;
  append(root, h("h1", {}, t("mineTitle")), allToggle, table, status, more);

  let cursor: string | null = null;
  const known = new Map<number, Consultation>();
  async function load(from: string | null): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (from) query.set("cursor", from);
    if (showAll) query.set("all", "true");
    try {
      const page = await consultations.list(query);
      if (!from) {
        body.replaceChildren();
        known.clear();
      }
      for (const c of page.items) {
        known.set(c.requestIdx, c);
        body.append(row(c));
      }
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.replaceChildren(body.children.length ? "" : h("p", {}, t("mineEmpty")));
    } catch (e) {
      status.replaceChildren(errorBox(e, () => void load(from)));
    }
  }

  function row(c: Consultation): HTMLTableRowElement {
    const store = ctx.inbox.store;
    const unread = c.requesterUserCode === me || c.recipientUserCode === me ? store.unreadOf(c.requestIdx) : 0;
    const last = store.lastMessages.get(c.requestIdx);
    const place = (c as { queuePosition?: number }).queuePosition;
    return h(
      "tr",
      { "data-request": c.requestIdx },
      h("td", {}, h("a", { href: `/consultations/${c.requestIdx}`, "data-link": true }, c.title)),
      h("td", {}, h("span", { class: `badge status-${c.status}` }, statusLabel(c.status))),
      h(
        "td",
        {},
        counterpart(c, me) || (c.category ? `${t("queueWaiting")}: ${c.category}` : "-"),
        place ? h("span", { class: "help", "data-queue-position": place }, ` · ${t("queuePosition", { n: place })}`) : null,
      ),
      h("td", { "data-unread": unread }, unread ? h("span", { class: "unread", "aria-label": t("unreadCount", { n: unread }) }, String(unread)) : "0"),
      h("td", {}, formatTime(last?.sentAt ?? c.lastActivityAt ?? c.updatedAt), last ? h("div", { class: "help preview" }, `${last.senderName}: ${last.preview}`) : null),
    );
  }

  /** Re-renders one row from the newest known state (or adds a consultation new to this user at the top). */
  function refreshRow(requestIdx: number, next?: Consultation): void {
    const c = next ?? known.get(requestIdx);
    if (!c) return;
    const old = body.querySelector(`tr[data-request="${requestIdx}"]`);
    if (!old && !next) return;
    known.set(requestIdx, c);
    const fresh = row(c);
    if (old) old.replaceWith(fresh);
    else {
      body.prepend(fresh);
      status.replaceChildren();
    }
  }

  more.addEventListener("click", () => void load(cursor));
  void load(null);
  let readyCount = ctx.inbox.store.ready ? 1 : 0;
  const unsubscribe = ctx.inbox.subscribe((frame, store) => {
    switch (frame.type) {
      case "ready":
        // A reconnect: anything may have changed while away (finished ones are not in `ready`).
        if (readyCount++ > 0) void load(null);
        else for (const id of known.keys()) refreshRow(id, store.consultations.get(id));
        break;
      case "consultation":
        if (!showAll || known.has(frame.consultation.requestIdx)) refreshRow(frame.consultation.requestIdx, frame.consultation);
        break;
      case "activity":
      case "unread":
        refreshRow(frame.requestIdx);
        break;
    }
  });
  const stopFallback = ctx.inbox.whileDown(() => {
    if (cursor === null) void load(null);
  });
  return () => (unsubscribe(), stopFallback());
};
