import { memo } from "preact/compat";
import { formatClock, t, type MessageKey } from "../i18n";
import type { Tick, TimelineItem } from "./chat-state";
import { FileBlock } from "./file-block";

const TICK_GLYPH: Record<Tick, string> = { sending: "◌", stored: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };
const TICK_SHORT: Record<Tick, MessageKey> = { sending: "pending", stored: "sent", delivered: "delivered", read: "read", failed: "failed" };
const TICK_LABEL: Record<Tick, MessageKey> = { sending: "tickSending", stored: "tickStored", delivered: "tickDelivered", read: "tickRead", failed: "tickFailed" };

/**
 * The delivery state of one of my messages (SPEC section 13) as the usual ticks: the glyph
 * is decoration, the short word is visible, and the full sentence is the accessible name.
 */
function Ticks({ tick }: { tick: Tick }) {
  return (
    <span class={`state ${tick}`} data-tick={tick} title={t(TICK_LABEL[tick])}>
      <span aria-hidden="true" class="tick-glyph">
        {TICK_GLYPH[tick]}
      </span>{" "}
      <span aria-hidden="true">{t(TICK_SHORT[tick])}</span>
      <span class="visually-hidden">{t(TICK_LABEL[tick])}</span>
    </span>
  );
}

interface Props {
  item: TimelineItem;
  requestIdx: number;
  retry(clientMsgId: string): void;
  /** Re-render when the language changes (memo would otherwise keep the old words). */
  lang: string;
}

const signature = (item: TimelineItem) =>
  item.kind === "message" ? `m:${item.message.seq}:${item.tick}` : `p:${item.pending.state}:${item.tick}:${item.pending.error ?? ""}`;

/** One bubble; memoised by what it shows, so a new message re-renders only itself, not the whole log. */
export const MessageItem = memo(function MessageItem({ item, requestIdx, retry }: Props) {
  if (item.kind === "pending") {
    const p = item.pending;
    return (
      <li class={`msg mine ${p.state}`} data-client-id={p.clientMsgId} data-state={p.state} aria-busy={p.state === "sending" ? "true" : undefined}>
        {p.attachment ? <FileBlock requestIdx={requestIdx} file={p.attachment} stored={false} /> : null}
        {p.content || !p.attachment ? <p class="body">{p.content}</p> : null}
        <p class="meta">
          <Ticks tick={item.tick} />
          {p.state === "failed" ? (
            <button type="button" class="link" onClick={() => retry(p.clientMsgId)}>
              {t("retry")}
            </button>
          ) : null}
        </p>
      </li>
    );
  }
  const m = item.message;
  if (m.type === "SYSTEM") {
    return (
      <li class="msg system" data-seq={m.seq}>
        <p class="body">{m.content}</p>
        <p class="meta">{formatClock(m.sentAt)}</p>
      </li>
    );
  }
  return (
    <li class={`msg ${item.mine ? "mine" : "theirs"}`} data-seq={m.seq} data-client-id={m.clientMsgId ?? undefined} data-state="stored">
      {item.mine ? null : <p class="sender">{m.senderName}</p>}
      {m.attachment ? <FileBlock requestIdx={requestIdx} file={m.attachment} stored /> : null}
      {m.content || !m.attachment ? <p class="body">{m.content}</p> : null}
      <p class="meta">
        <time dateTime={m.sentAt}>{formatClock(m.sentAt)}</time>
        {item.tick ? <Ticks tick={item.tick} /> : null}
      </p>
    </li>
  );
}, (a, b) => a.lang === b.lang && a.requestIdx === b.requestIdx && signature(a.item) === signature(b.item));
