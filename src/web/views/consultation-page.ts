import { consultations, download } from "../api";
import type { View } from "../app-context";
import { mountChat } from "../chat/chat-view";
import { h } from "../dom";
import { formatTime, statusLabel, t } from "../i18n";
import type { Consultation } from "../types";
import { actionPanel } from "./consultation-actions";
import { availableActions, canChat, isOpen, type Viewer } from "./consultation-rules";
import { errorBox } from "./error-box";

const FINISHED = new Set(["COMPLETED", "REJECTED", "CANCELLED"]);

/** One consultation: its details, the viewer's actions, downloads and the live chat. */
export const consultationView: View = (root, ctx, params) => {
  const requestIdx = Number(params.id);
  const viewer: Viewer = { userCode: ctx.session.userCode, counselor: ctx.caps.counselor, admin: ctx.caps.admin };
  const heading = h("h1", {}, t("detailTitle", { id: requestIdx }));
  const details = h("div");
  const chatSection = h("section", { class: "card chat", "aria-labelledby": "chat-title" }, h("h2", { id: "chat-title" }, t("chatTitle")));
  const chatBody = h("div");
  chatSection.append(chatBody);
  root.append(heading, details, chatSection);

  let current: Consultation | null = null;
  let stopChat: ((notice?: string) => void) | null = null;
  // Once shown, the log stays on screen after the chat closes (ended, transferred).
  let chatShown = false;
  let stopped = false;

  function show(c: Consultation): void {
    current = c;
    const actions = availableActions(c, viewer);
    const files = downloads(c);
    details.replaceChildren(summary(c), ...(actions.length ? [actionPanel(c, actions, changed)] : []), ...(files ? [files] : []));
    const chatWanted = canChat(c, viewer);
    if (chatWanted && !stopChat) {
      chatShown = true;
      chatBody.replaceChildren();
      if (c.status === "PENDING" && c.requesterUserCode === viewer.userCode) chatBody.append(h("p", { class: "notice" }, t("chatWaitingCounselor")));
      stopChat = mountChat(chatBody, {
        requestIdx,
        me: viewer.userCode,
        readOnly: c.requesterUserCode !== viewer.userCode && c.recipientUserCode !== viewer.userCode,
        nameOf: (code) => (code === c.requesterUserCode ? c.requesterName : (current?.recipientName ?? code)),
        onStatus: (status) => {
          if (current && status !== current.status) void reload();
        },
        onClosed: () => void reload(),
      });
    } else if (!chatWanted && !chatShown) {
      chatBody.replaceChildren(h("p", { class: "notice" }, c.status === "COMPLETED" ? t("chatClosed") : t("chatNotOpen")));
    }
    // A request that was rejected or cancelled before it started never had a chat.
    chatSection.hidden = !chatShown && c.startedAt === null && FINISHED.has(c.status);
  }

  function changed(c: Consultation): void {
    ctx.announce(`${t("done")} ${statusLabel(c.status)}`);
    // A transfer or an end closes this viewer's chat; the server closes the socket too.
    stopChatIfClosed(c);
    show(c);
    heading.focus();
  }

  /** Stops reconnecting once this viewer may no longer chat; the log stays on screen. */
  function stopChatIfClosed(c: Consultation): void {
    if (!stopChat || canChat(c, viewer)) return;
    stopChat(FINISHED.has(c.status) ? t("chatClosed") : t("chatTransferred"));
    stopChat = null;
  }

  async function reload(): Promise<void> {
    try {
      const fetched = await consultations.get(requestIdx);
      if (stopped) return;
      // The REST row has no queue place; the inbox knows it for the same version of the row.
      const known = ctx.inbox.store.consultations.get(requestIdx);
      const c = known && known.updatedAt === fetched.updatedAt ? { ...fetched, ...known } : fetched;
      stopChatIfClosed(c);
      show(c);
    } catch (e) {
      details.replaceChildren(errorBox(e, () => void reload()));
    }
  }

  /**
   * A change from the inbox socket: a new state re-renders; the same row (a `ready` after
   * the page loaded, a moved queue place) only updates the place line, so an action form
   * the user has open stays open.
   */
  function live(c: Consultation): void {
    if (stopped || (current && current.updatedAt > c.updatedAt)) return;
    if (current && current.updatedAt === c.updatedAt && current.status === c.status) {
      current = c;
      const place = details.querySelector<HTMLElement>("[data-queue-position]");
      const n = (c as { queuePosition?: number }).queuePosition;
      if (place) {
        place.dataset.queuePosition = String(n ?? "");
        place.textContent = n ? t("queuePosition", { n }) : "";
      }
      return;
    }
    stopChatIfClosed(c);
    show(c);
  }

  details.append(h("p", {}, t("loading")));
  void reload();
  // The inbox socket tells this page when the other side approves, starts, takes or ends
  // the request (no polling). After a reconnect, `ready` has it if it is still live; if it
  // is not there it finished while we were away, so look once.
  const unsubscribe = ctx.inbox.subscribe((frame, store) => {
    if (frame.type === "consultation" && frame.consultation.requestIdx === requestIdx) live(frame.consultation);
    if (frame.type !== "ready" || !current) return;
    const c = store.consultations.get(requestIdx);
    if (c) live(c);
    else if (!FINISHED.has(current.status)) void reload();
  });
  const stopFallback = ctx.inbox.whileDown(() => {
    if (!stopChat && current && !FINISHED.has(current.status)) void reload();
  });
  return () => {
    stopped = true;
    unsubscribe();
    stopFallback();
    stopChat?.();
  };
};

function summary(c: Consultation): HTMLElement {
  const row = (label: string, value: string | number | null | undefined) =>
    value === null || value === undefined || value === "" ? null : [h("dt", {}, label), h("dd", {}, String(value))];
  const rows = [
    row(t("colStatus"), statusLabel(c.status)),
    row(t("requester"), `${c.requesterName} (${c.requesterUserCode})`),
    row(t("recipient"), c.recipientUserCode ? (c.recipientName ? `${c.recipientName} (${c.recipientUserCode})` : c.recipientUserCode) : t("unassigned")),
    row(t("category"), c.category),
    row(t("scheduledAt"), c.scheduledAt && formatTime(c.scheduledAt)),
    row(t("createdAt"), formatTime(c.createdAt)),
    row(t("startedAt"), c.startedAt && formatTime(c.startedAt)),
    row(t("endedAt"), c.endedAt && formatTime(c.endedAt)),
    row(t("duration"), c.durationMinutes === null ? null : t("minutes", { n: c.durationMinutes })),
    // While the chat runs the log itself is the count (the stored one lags the room).
    row(t("messageCount"), isOpen(c) ? null : c.messageCount),
    row(t("rejectionReason"), c.rejectionReason),
    row(t("cancelReason"), c.cancelReason),
    row(t("content"), c.content),
  ];
  return h(
    "section",
    { class: "card", "aria-label": c.title },
    h("h2", {}, c.title, " ", h("span", { class: `badge status-${c.status}`, "data-status": c.status }, statusLabel(c.status))),
    queuePlace(c),
    h("dl", { class: "details" }, ...rows.flat()),
  );
}

/** The requester's place in the queue while they wait (live from the inbox socket). */
function queuePlace(c: Consultation): HTMLElement | null {
  const n = (c as { queuePosition?: number }).queuePosition;
  if (c.status !== "PENDING" || c.recipientUserCode !== null) return null;
  return h("p", { class: "notice", role: "status", "data-queue-position": String(n ?? "") }, n ? t("queuePosition", { n }) : "");
}

/** The transcript so far (while it runs) and the archived one (once ended); null if neither. */
function downloads(c: Consultation): HTMLElement | null {
  const live = (c.startedAt !== null || c.messageCount > 0) && c.status !== "COMPLETED";
  if (!live && !c.chatLogKey) return null;
  const error = h("p", { class: "error", role: "alert" });
  const button = (label: string, name: string, go: () => Promise<void>) =>
    h("button", {
      type: "button",
      "data-download": name,
      onclick: () => {
        error.textContent = "";
        go().catch((e: Error) => (error.textContent = t("errorPrefix", { message: e.message })));
      },
    }, label);
  return h(
    "section",
    { class: "card", "aria-labelledby": "downloads-title" },
    h("h2", { id: "downloads-title" }, t("downloads")),
    h(
      "div",
      { class: "actions" },
      live
        ? button(t("downloadTranscript"), "transcript", () => download("POST", `/api/chat/history/download/${c.requestIdx}`, `chat-log-${c.requestIdx}.txt`))
        : null,
      c.chatLogKey
        ? button(t("downloadArchive"), "archive", () => download("GET", `/api/chat/archive/download/${c.requestIdx}`, `archived-chat-log-${c.requestIdx}.txt`))
        : null,
    ),
    error,
  );
}
