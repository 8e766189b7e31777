import { useEffect, useRef, useState } from "preact/hooks";
import { consultations } from "../api";
import { announce, caps, inbox, navigate, session as sessionSignal } from "../app/app-state";
import { ChatPane } from "../chat/chat-pane";
import { chatSession, dropSession, existingSession } from "../chat/chat-sessions";
import { statusLabel, t } from "../i18n";
import type { InboxConsultation } from "../../protocol/inbox-frames";
import type { Consultation } from "../types";
import { ErrorBox } from "../ui/error-box";
import { useInboxFrames, useInboxStore } from "../ui/use-inbox";
import { availableActions, canChat, type Action, type Viewer } from "../views/consultation-rules";
import { ConversationList } from "./conversation-list";
import { DetailsPane, StatusBadge } from "./details-pane";
import { QueueSection } from "./queue-section";
import { ShortcutsDialog, useShortcuts } from "./shortcuts";
import { newer, useConversations } from "./use-conversations";

const FINISHED = new Set(["COMPLETED", "REJECTED", "CANCELLED"]);

/**
 * The workspace: the conversation list (with the live queue for counselors), the open
 * conversation, and its details and actions. Three panes on a desktop; on a phone one pane
 * at a time with back navigation. A requester gets the simpler shape: the details sit
 * above the chat. Every open conversation keeps its state while the user switches
 * (chat-sessions.ts); nothing reloads.
 */
export function Workspace({ selectedId, queueFirst }: { selectedId: number | null; queueFirst: boolean }) {
  const me = sessionSignal.value!.userCode;
  const viewer: Viewer = { userCode: me, counselor: caps.value.counselor, admin: caps.value.admin };
  const store = useInboxStore();
  const conversations = useConversations(me);
  const [selected, setSelected] = useState<InboxConsultation | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [openAction, setOpenAction] = useState<Action | null>(null);
  const [phonePane, setPhonePane] = useState<"chat" | "details">("chat");
  const [helpOpen, setHelpOpen] = useState(false);
  const stopped = useRef(new Map<number, string>());

  const current = selectedId === null ? null : selected?.requestIdx === selectedId ? selected : (conversations.known.get(selectedId) ?? null);

  async function reload(id: number): Promise<void> {
    try {
      const fetched = await consultations.get(id);
      // The REST row has no queue place; the inbox knows it for the same version of the row.
      const row = newer(inbox.value?.store.consultations.get(id), fetched);
      conversations.put(row);
      setSelected((s) => (s && s.requestIdx !== id ? s : newer(s?.requestIdx === id ? s : undefined, row)));
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }

  useEffect(() => {
    setOpenAction(null);
    setPhonePane("chat");
    setLoadError(null);
    if (selectedId !== null) void reload(selectedId);
  }, [selectedId]);

  // The inbox socket tells this view when the other side approves, starts, takes or ends it.
  useInboxFrames(
    (frame, s) => {
      if (selectedId === null) return;
      if (frame.type === "consultation" && frame.consultation.requestIdx === selectedId) setSelected((old) => newer(old?.requestIdx === selectedId ? old : undefined, frame.consultation));
      if (frame.type === "ready") {
        const live = s.consultations.get(selectedId);
        if (live) setSelected((old) => newer(old?.requestIdx === selectedId ? old : undefined, live));
        else if (current && !FINISHED.has(current.status)) void reload(selectedId);
      }
    },
    [selectedId, current?.status],
  );

  const c = current;
  const chatAllowed = c ? canChat(c, viewer) : false;
  const readOnly = c ? c.requesterUserCode !== me && c.recipientUserCode !== me : true;
  if (c && chatAllowed && stopped.current.has(c.requestIdx)) {
    // Allowed again (taken back, or a new counselor): a fresh connection.
    stopped.current.delete(c.requestIdx);
    dropSession(c.requestIdx);
  }
  const chat =
    c && chatAllowed
      ? chatSession(c.requestIdx, { me, readOnly, nameOf: (code) => (code === c.requesterUserCode ? c.requesterName : (c.recipientName ?? code)) })
      : c
        ? existingSession(c.requestIdx)
        : undefined;
  if (c && chat && !chatAllowed && !stopped.current.has(c.requestIdx)) {
    // Stops reconnecting once this viewer may no longer chat; the log stays on screen.
    chat.connection.close();
    stopped.current.set(c.requestIdx, FINISHED.has(c.status) ? t("chatClosed") : t("chatTransferred"));
  }
  const roomStatus = chat?.status.value;
  useEffect(() => {
    if (c && roomStatus && roomStatus !== c.status) void reload(c.requestIdx);
  }, [roomStatus]);

  const order = conversations.list.map((x) => x.requestIdx);
  const actions = c ? availableActions(c, viewer) : [];
  useShortcuts({
    next: () => go(order, selectedId, 1),
    previous: () => go(order, selectedId, -1),
    composer: () => document.getElementById("composer")?.focus(),
    end: () => actions.includes("end") && (setPhonePane("details"), setOpenAction("end")),
    help: () => setHelpOpen(true),
  });

  const simple = !caps.value.counselor && !caps.value.admin;
  const onDone = (updated: Consultation) => {
    announce(`${t("done")} ${statusLabel(updated.status)}`);
    conversations.put(updated);
    setSelected(updated);
    document.getElementById("conversation-title")?.focus();
  };
  const listHeading = selectedId === null && !queueFirst ? "h1" : "h2";

  return (
    <div class={`workspace${simple ? " simple" : ""}`} data-open={selectedId === null ? "list" : phonePane}>
      <section class="pane pane-list" aria-labelledby="list-title">
        {caps.value.counselor ? <QueueSection heading={queueFirst ? "h1" : "h2"} /> : null}
        <div class="list-head">
          {listHeading === "h1" ? (
            <h1 id="list-title" class="pane-heading">
              {t("mineTitle")}
            </h1>
          ) : (
            <h2 id="list-title" class="pane-heading">
              {t("mineTitle")}
            </h2>
          )}
          <button type="button" class="link" aria-haspopup="dialog" onClick={() => setHelpOpen(true)}>
            {t("shortcuts")}
          </button>
        </div>
        {conversations.error ? <ErrorBox error={conversations.error} retry={() => void conversations.reload()} /> : null}
        {conversations.loaded ? <ConversationList items={conversations.list} store={store} me={me} selectedId={selectedId} /> : <p>{t("loading")}</p>}
        {conversations.more ? (
          <button type="button" onClick={() => void conversations.more?.()}>
            {t("loadMore")}
          </button>
        ) : null}
      </section>
      <section class="pane pane-chat chat" aria-labelledby={selectedId === null ? undefined : "conversation-title"} aria-label={selectedId === null ? t("openConversation") : undefined}>
        {selectedId === null ? (
          <p class="notice pick">{t("noConversation")}</p>
        ) : (
          <>
            <div class="conversation-head">
              <a href="/" data-link class="back">
                ← {t("back")}
              </a>
              <h1 id="conversation-title" tabIndex={-1}>
                {t("detailTitle", { id: selectedId })}
                {c ? <span class="conv-heading-title"> {c.title}</span> : null}
              </h1>
              {c ? <StatusBadge status={c.status} /> : null}
              {!simple ? (
                <button type="button" class="details-toggle" aria-expanded={phonePane === "details" ? "true" : "false"} onClick={() => setPhonePane(phonePane === "details" ? "chat" : "details")}>
                  {phonePane === "details" ? t("showChat") : t("showDetails")}
                </button>
              ) : null}
            </div>
            {loadError ? <ErrorBox error={loadError} retry={() => void reload(selectedId)} /> : null}
            {!c && !loadError ? <p>{t("loading")}</p> : null}
            {c && simple ? <DetailsPane consultation={c} actions={actions} onDone={onDone} openAction={openAction} setOpenAction={setOpenAction} compact /> : null}
            {c ? (
              chat ? (
                <>
                  {c.status === "PENDING" && c.requesterUserCode === me && chatAllowed ? <p class="notice">{t("chatWaitingCounselor")}</p> : null}
                  <ChatPane key={c.requestIdx} session={chat} me={me} readOnly={readOnly} stoppedNotice={stopped.current.get(c.requestIdx) ?? null} onClosed={() => void reload(c.requestIdx)} />
                </>
              ) : c.startedAt === null && FINISHED.has(c.status) ? null : (
                <p class="notice">{c.status === "COMPLETED" ? t("chatClosed") : t("chatNotOpen")}</p>
              )
            ) : null}
          </>
        )}
      </section>
      {!simple ? (
        <aside class="pane pane-details" aria-label={t("detailsPane")}>
          {c ? <DetailsPane consultation={c} actions={actions} onDone={onDone} openAction={openAction} setOpenAction={setOpenAction} /> : null}
        </aside>
      ) : null}
      <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}

function go(order: number[], selectedId: number | null, step: 1 | -1): void {
  if (order.length === 0) return;
  const at = selectedId === null ? -1 : order.indexOf(selectedId);
  const next = order[(at + step + order.length) % order.length] ?? order[0]!;
  navigate(`/consultations/${next}`);
}
