import { now } from "../app/app-state";
import { formatWait, t } from "../i18n";
import type { InboxConsultation, LastMessage } from "../../protocol/inbox-frames";
import type { InboxStore } from "../live/inbox-store";
import { counterpart } from "../views/consultation-rules";
import { StatusBadge } from "./details-pane";

interface Props {
  items: InboxConsultation[];
  store: InboxStore | null;
  me: string;
  selectedId: number | null;
}

/**
 * The workspace's conversation list: status, counterpart, the server's unread count, the
 * last message and how long someone has been waiting, all live from the inbox socket.
 */
export function ConversationList({ items, store, me, selectedId }: Props) {
  if (items.length === 0) return <p class="help">{t("mineEmpty")}</p>;
  return (
    <ul class="conversations">
      {items.map((c) => {
        const mine = c.requesterUserCode === me || c.recipientUserCode === me;
        const unread = mine ? (store?.unreadOf(c.requestIdx) ?? 0) : 0;
        const last = store?.lastMessages.get(c.requestIdx);
        const wait = waitingText(c, last, me);
        return (
          <li key={c.requestIdx} data-request={c.requestIdx} class={selectedId === c.requestIdx ? "selected" : undefined}>
            <a href={`/consultations/${c.requestIdx}`} data-link aria-current={selectedId === c.requestIdx ? "true" : undefined}>
              <span class="conv-title">{c.title}</span>
            </a>
            <span class="conv-meta">
              <StatusBadge status={c.status} />
              <span class="conv-with">{counterpart(c, me) || (c.category ? `${t("queueWaiting")}: ${c.category}` : "-")}</span>
              {c.queuePosition ? (
                <span class="help" data-queue-position={c.queuePosition}>
                  {t("queuePosition", { n: c.queuePosition })}
                </span>
              ) : null}
            </span>
            {last ? <span class="help preview">{`${last.senderName}: ${last.preview}`}</span> : null}
            <span class="conv-side">
              <span class={unread ? "unread" : "unread zero"} data-unread={unread} aria-label={t("unreadCount", { n: unread })}>
                {unread}
              </span>
              {wait ? <span class="wait">{wait}</span> : null}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** Waiting for a counselor (a request), or for my answer (the other side wrote last). */
function waitingText(c: InboxConsultation, last: (LastMessage & { lastSeq: number }) | undefined, me: string): string | null {
  if (c.status === "PENDING" && c.startedAt === null) return t("waitingFor", { time: formatWait(now.value - Date.parse(c.waitingSince ?? c.createdAt)) });
  if (c.status === "IN_PROGRESS" && last && last.sender !== me && last.sender !== "SYSTEM") return t("waitingReply", { time: formatWait(now.value - Date.parse(last.sentAt)) });
  return null;
}
