import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { lang, t } from "../i18n";
import type { CloseReason } from "./chat-connection";
import { MAX_MESSAGE_LENGTH, timeline, validateDraft } from "./chat-state";
import type { ChatSession } from "./chat-sessions";
import { useFileDrop } from "./drop-zone";
import { MessageItem } from "./message-item";
import { UploadTray, useUploads } from "./upload-tray";

interface Props {
  session: ChatSession;
  me: string;
  /** Admins read along but never write. */
  readOnly: boolean;
  /** Shown when the chat stopped for this viewer (ended, transferred away); hides the composer. */
  stoppedNotice: string | null;
  onClosed(reason: CloseReason): void;
}

/**
 * The live region around the message list. On the <ol> itself the role would take the
 * list semantics away from its items; Preact's typings do not list `log` for a div either.
 */
const LOG_ROLE = { role: "log" } as Record<string, string>;

/** Pixels from the bottom within which the log follows new messages. */
const FOLLOW_PX = 80;

/**
 * The open conversation's chat: connection banner, message log with the unread divider
 * and a jump-to-latest button, typing line, and the composer with attachments. The
 * session (chat-sessions.ts) outlives this component: switching away keeps the draft, the
 * scroll position and the pending sends, and the divider marks what arrived meanwhile.
 */
export function ChatPane({ session, me, readOnly, stoppedNotice, onClosed }: Props) {
  const state = session.state.value;
  const link = session.link.value;
  const ready = session.readyCount.value > 0;
  const logRef = useRef<HTMLOListElement>(null);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const [draft, setDraft] = useState(session.draft);
  const [below, setBelow] = useState(false);
  const uploads = useUploads(session.requestIdx, (ref) => session.connection.sendFile(ref));
  const drop = useFileDrop(!readOnly && !stoppedNotice, (files) => uploads.add(files));
  // Where the divider goes for this visit: the read mark as it was when the user came in.
  const [dividerAfter, setDividerAfter] = useState<number | null>(ready ? (state.readUpTo[me] ?? 0) : null);
  useEffect(() => {
    if (ready && dividerAfter === null) setDividerAfter(state.readUpTo[me] ?? 0);
  }, [ready]);

  const closed = link.status === "closed" ? link.reason : undefined;
  useEffect(() => {
    if (closed) onClosed(closed);
  }, [closed]);

  // Read receipts: only for the conversation on screen, once the divider has its place.
  useEffect(() => {
    if (dividerAfter === null) return;
    const noteRead = () => document.visibilityState === "visible" && session.connection.markRead();
    noteRead();
    document.addEventListener("visibilitychange", noteRead);
    return () => document.removeEventListener("visibilitychange", noteRead);
  }, [state, dividerAfter]);

  // Scrolling: back where the user left this conversation, else at the divider or the end.
  const following = useRef(true);
  useLayoutEffect(() => {
    const log = logRef.current!;
    if (session.scrollTop !== null) log.scrollTop = session.scrollTop;
    else log.scrollTop = log.scrollHeight;
    following.current = session.scrollTop === null;
    return () => {
      session.scrollTop = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_PX ? null : log.scrollTop;
    };
  }, [session]);
  useLayoutEffect(() => {
    const log = logRef.current!;
    if (following.current) log.scrollTop = log.scrollHeight;
    setBelow(log.scrollHeight - log.scrollTop - log.clientHeight >= FOLLOW_PX);
  }, [state]);
  const onScroll = () => {
    const log = logRef.current!;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_PX;
    following.current = atEnd;
    setBelow(!atEnd);
  };
  const jumpToLatest = () => {
    const log = logRef.current!;
    log.scrollTop = log.scrollHeight;
    following.current = true;
    setBelow(false);
    composerRef.current?.focus();
  };

  const length = draft.trim().length;
  const over = length > MAX_MESSAGE_LENGTH;
  const changeDraft = (value: string) => {
    setDraft(value);
    session.draft = value;
  };
  const submit = () => {
    const checked = validateDraft(draft);
    if (!checked.ok) return;
    session.connection.send(checked.content);
    changeDraft("");
    following.current = true;
    composerRef.current?.focus();
  };

  const items = timeline(state, me);
  const firstUnread = dividerAfter === null ? -1 : items.findIndex((i) => i.kind === "message" && !i.mine && i.message.type !== "SYSTEM" && i.message.seq > dividerAfter);
  const writable = !readOnly && !stoppedNotice && !closed;
  const closedText = stoppedNotice ?? (closed ? (closed === "transferred" ? t("chatTransferred") : closed === "expired" ? t("sessionExpired") : t("chatClosed")) : null);
  const language = lang();

  return (
    <div class={drop.dropping ? "chat-body dropping" : "chat-body"} data-drop-label={t("dropHere")} {...drop.handlers}>
      <p class={link.status === "offline" ? "banner offline" : "banner"} role="status" hidden={link.status === "online" || link.status === "closed" || !!stoppedNotice}>
        {link.status === "offline" ? t("offline") : t("connecting")}
      </p>
      <div class="log-wrap">
        <div class="log" {...LOG_ROLE} aria-live="polite" aria-label={t("chatLog")}>
        <ol class="messages" aria-label={t("chatLog")} tabIndex={0} ref={logRef} onScroll={onScroll}>
          {items.map((item, i) => [
            i === firstUnread ? (
              <li key="divider" class="divider" role="separator" aria-label={t("unreadDivider")}>
                <span>{t("unreadDivider")}</span>
              </li>
            ) : null,
            <MessageItem key={item.key} item={item} requestIdx={session.requestIdx} retry={(id) => session.connection.retry(id)} lang={language} />,
          ])}
        </ol>
        </div>
        {below ? (
          <button type="button" class="jump" data-jump-latest="" onClick={jumpToLatest}>
            ↓ {t("jumpLatest")}
          </button>
        ) : null}
      </div>
      <p class="typing" aria-live="polite">
        {session.typing.value && !closedText ? t("typing", { name: session.typing.value }) : ""}
      </p>
      {readOnly ? <p class="notice">{t("chatReadOnly")}</p> : null}
      {!readOnly ? (
        <form
          class="composer"
          hidden={!writable}
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <UploadTray uploads={uploads} />
          <label for="composer">{t("composerLabel")}</label>
          <textarea
            id="composer"
            ref={composerRef}
            rows={2}
            aria-describedby="composer-help composer-counter"
            aria-invalid={over ? "true" : "false"}
            value={draft}
            onInput={(e) => {
              const value = (e.target as HTMLTextAreaElement).value;
              changeDraft(value);
              if (value.trim()) session.connection.typing();
            }}
            onKeyDown={(e) => {
              // Enter (or Ctrl/Cmd+Enter) sends; Shift+Enter is a new line; Enter that confirms a Hangul/IME composition is not a send.
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
                e.preventDefault();
                submit();
              }
            }}
          />
          <div class="composer-row">
            <span id="composer-help" class="help">
              {t("composerHelp")} <span id="attach-help">{t("attachHelp")}</span>
            </span>
            <span id="composer-counter" class={over ? "counter over" : "counter"}>
              {t("counter", { n: length, max: MAX_MESSAGE_LENGTH })}
              {over ? ` — ${t("tooLong", { max: MAX_MESSAGE_LENGTH })}` : ""}
            </span>
            <input
              type="file"
              multiple
              hidden
              id="attach-input"
              ref={fileRef}
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                uploads.add([...(input.files ?? [])]);
                input.value = "";
              }}
            />
            <button type="button" class="attach" aria-describedby="attach-help" onClick={() => fileRef.current?.click()}>
              {t("attach")}
            </button>
            <button type="submit" disabled={over}>
              {t("send")}
            </button>
          </div>
        </form>
      ) : null}
      {closedText ? (
        <p class="notice" role="status">
          {closedText}
        </p>
      ) : null}
    </div>
  );
}
