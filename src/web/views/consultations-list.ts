import { consultations } from "../api";
import type { View } from "../app-context";
import { append, h } from "../dom";
import { formatTime, statusLabel, t } from "../i18n";
import { unreadCount } from "../read-marks";
import type { Consultation } from "../types";
import { counterpart } from "./consultation-rules";
import { errorBox } from "./error-box";

const PAGE = 20;
const REFRESH_MS = 15_000;

/** "My consultations": newest first, with status, counterpart, unread count and last activity. */
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
  async function load(from: string | null): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (from) query.set("cursor", from);
    if (showAll) query.set("all", "true");
    try {
      const page = await consultations.list(query);
      if (!from) body.replaceChildren();
      for (const c of page.items) body.append(row(c));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.replaceChildren(body.children.length ? "" : h("p", {}, t("mineEmpty")));
    } catch (e) {
      status.replaceChildren(errorBox(e, () => void load(from)));
    }
  }

  function row(c: Consultation): HTMLTableRowElement {
    const unread = c.requesterUserCode === me || c.recipientUserCode === me ? unreadCount(me, c.requestIdx, c.messageCount) : 0;
    return h(
      "tr",
      { "data-request": c.requestIdx },
      h("td", {}, h("a", { href: `/consultations/${c.requestIdx}`, "data-link": true }, c.title)),
      h("td", {}, h("span", { class: `badge status-${c.status}` }, statusLabel(c.status))),
      h("td", {}, counterpart(c, me) || (c.category ? `${t("queueWaiting")}: ${c.category}` : "-")),
      h("td", {}, unread ? h("span", { class: "unread", "aria-label": t("unreadCount", { n: unread }) }, String(unread)) : "0"),
      h("td", {}, formatTime(c.lastActivityAt ?? c.updatedAt)),
    );
  }

  more.addEventListener("click", () => void load(cursor));
  void load(null);
  // Keeps statuses and unread counts fresh while the list is open.
  const timer = setInterval(() => {
    if (document.visibilityState === "visible" && cursor === null) void load(null);
  }, REFRESH_MS);
  return () => clearInterval(timer);
};
