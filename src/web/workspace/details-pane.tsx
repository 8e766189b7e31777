import { useState } from "preact/hooks";
import { download } from "../api";
import { now } from "../app/app-state";
import { formatTime, formatWait, statusLabel, t } from "../i18n";
import type { InboxConsultation } from "../../protocol/inbox-frames";
import type { Consultation } from "../types";
import { isOpen, type Action } from "../views/consultation-rules";
import { ActionPanel } from "./action-panel";

interface Props {
  consultation: InboxConsultation;
  actions: Action[];
  onDone(updated: Consultation): void;
  openAction: Action | null;
  setOpenAction(action: Action | null): void;
  /** The requester's shape: the facts fold away while the chat runs (the chat is what matters then). */
  compact?: boolean;
}

/** The right pane: the consultation's details, the viewer's actions and the downloads. */
export function DetailsPane({ consultation: c, actions, onDone, openAction, setOpenAction, compact = false }: Props) {
  return (
    <>
      <Summary c={c} compact={compact} />
      {actions.length ? <ActionPanel consultation={c} actions={actions} onDone={onDone} open={openAction} setOpen={setOpenAction} /> : null}
      <Downloads c={c} />
    </>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

/** The requester's place in the queue and how long they have waited (live from the inbox socket). */
export function QueuePlace({ c }: { c: InboxConsultation }) {
  if (c.status !== "PENDING" || c.recipientUserCode !== null) return null;
  const n = c.queuePosition;
  const since = Date.parse(c.waitingSince ?? c.createdAt);
  return (
    <p class="notice queue-place" role="status" data-queue-position={String(n ?? "")}>
      {n ? t("yourQueueWait", { n, time: formatWait(now.value - since) }) : ""}
    </p>
  );
}

function Summary({ c, compact }: { c: InboxConsultation; compact: boolean }) {
  const rows: [string, string | number | null | undefined][] = [
    [t("colStatus"), statusLabel(c.status)],
    [t("requester"), `${c.requesterName} (${c.requesterUserCode})`],
    [t("recipient"), c.recipientUserCode ? (c.recipientName ? `${c.recipientName} (${c.recipientUserCode})` : c.recipientUserCode) : t("unassigned")],
    [t("category"), c.category],
    [t("scheduledAt"), c.scheduledAt && formatTime(c.scheduledAt)],
    [t("createdAt"), formatTime(c.createdAt)],
    [t("startedAt"), c.startedAt && formatTime(c.startedAt)],
    [t("endedAt"), c.endedAt && formatTime(c.endedAt)],
    [t("duration"), c.durationMinutes === null ? null : t("minutes", { n: c.durationMinutes })],
    // While the chat runs the log itself is the count (the stored one lags the room).
    [t("messageCount"), isOpen(c) ? null : c.messageCount],
    [t("rejectionReason"), c.rejectionReason],
    [t("cancelReason"), c.cancelReason],
    [t("content"), c.content],
  ];
  const facts = (
    <dl class="details">
      {rows
        .filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([label, value]) => [<dt>{label}</dt>, <dd>{String(value)}</dd>])}
    </dl>
  );
  return (
    <section class="card summary" aria-labelledby="summary-title">
      <h2 id="summary-title">
        {c.title} <StatusBadge status={c.status} />
      </h2>
      <QueuePlace c={c} />
      {compact ? (
        <details class="facts" open={!isOpen(c)}>
          <summary>{t("showDetails")}</summary>
          {facts}
        </details>
      ) : (
        facts
      )}
    </section>
  );
}

/** The transcript so far (while it runs) and the archived one (once ended); nothing if neither. */
function Downloads({ c }: { c: Consultation }) {
  const [error, setError] = useState("");
  const live = (c.startedAt !== null || c.messageCount > 0) && c.status !== "COMPLETED";
  if (!live && !c.chatLogKey) return null;
  const button = (label: string, name: string, go: () => Promise<void>) => (
    <button
      type="button"
      data-download={name}
      onClick={() => {
        setError("");
        go().catch((e: Error) => setError(t("errorPrefix", { message: e.message })));
      }}
    >
      {label}
    </button>
  );
  return (
    <section class="card" aria-labelledby="downloads-title">
      <h2 id="downloads-title">{t("downloads")}</h2>
      <div class="actions">
        {live ? button(t("downloadTranscript"), "transcript", () => download("POST", `/api/chat/history/download/${c.requestIdx}`, `chat-log-${c.requestIdx}.txt`)) : null}
        {c.chatLogKey ? button(t("downloadArchive"), "archive", () => download("GET", `/api/chat/archive/download/${c.requestIdx}`, `archived-chat-log-${c.requestIdx}.txt`)) : null}
      </div>
      <p class="error" role="alert">
        {error}
      </p>
    </section>
  );
}
