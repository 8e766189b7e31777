import { h } from "../dom";
import { formatClock, t } from "../i18n";
import { ChatConnection, type CloseReason, type ConnectionStatus } from "./chat-connection";
import { MAX_MESSAGE_LENGTH, timeline, validateDraft, type ChatState, type FileRef, type TimelineItem } from "./chat-state";
import { fileBlock } from "./file-view";
import { mountUploadTray } from "./upload-tray";

export interface ChatViewOptions {
  requestIdx: number;
  me: string;
  /** Admins read along but never write. */
  readOnly: boolean;
  /** Display name for a user code (for the typing indicator). */
  nameOf(userCode: string): string;
  /** The consultation changed state (a `status` frame or the end of the chat). */
  onStatus(status: string): void;
  onClosed(reason: CloseReason): void;
}

const TYPING_SHOWN_MS = 4_000;

/** The chat panel: message log, connection banner, typing indicator and composer. */
export function mountChat(root: HTMLElement, options: ChatViewOptions): (notice?: string) => void {
  const banner = h("p", { class: "banner", role: "status", hidden: true });
  const log = h("ol", { class: "messages", role: "log", "aria-live": "polite", "aria-label": t("chatLog"), tabindex: 0 });
  const typingLine = h("p", { class: "typing", "aria-live": "polite" });
  const textarea = h("textarea", { id: "composer", rows: 2, "aria-describedby": "composer-help composer-counter" });
  const counter = h("span", { id: "composer-counter", class: "counter" });
  const sendButton = h("button", { type: "submit" }, t("send"));
  // Files: the attach button opens the picker; dropping files on the chat does the same.
  const tray = mountUploadTray(options.requestIdx, (ref) => connection.sendFile(ref));
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, id: "attach-input" });
  fileInput.addEventListener("change", () => {
    tray.add([...(fileInput.files ?? [])]);
    fileInput.value = "";
  });
  const attachButton = h("button", { type: "button", class: "attach", "aria-describedby": "attach-help", onclick: () => fileInput.click() }, t("attach"));
  const form = h(
    "form",
    { class: "composer" },
    tray.element,
    h("label", { for: "composer" }, t("composerLabel")),
    textarea,
    h(
      "div",
      { class: "composer-row" },
      h("span", { id: "composer-help", class: "help" }, t("composerHelp"), " ", h("span", { id: "attach-help" }, t("attachHelp"))),
      counter,
      fileInput,
      attachButton,
      sendButton,
    ),
  );
  const closedNotice = h("p", { class: "notice", role: "status", hidden: true });
  root.append(banner, log, typingLine, options.readOnly ? h("p", { class: "notice" }, t("chatReadOnly")) : form, closedNotice);

  const rendered = new Map<string, { el: HTMLLIElement; signature: string }>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let latest: ChatState | null = null;

  const connection = new ChatConnection(options.requestIdx, options.me, options.readOnly, {
    state(state) {
      // A message from the other side ends their "typing…".
      const last = state.messages[state.messages.length - 1];
      if (last && last.sender !== options.me && last.seq !== latest?.messages[latest.messages.length - 1]?.seq) clearTyping();
      latest = state;
      renderLog(state);
      noteRead();
    },
    connection(status: ConnectionStatus, reason?: CloseReason) {
      banner.hidden = status === "online" || status === "closed";
      banner.className = status === "offline" ? "banner offline" : "banner";
      banner.textContent = status === "offline" ? t("offline") : t("connecting");
      if (status === "closed" && reason) {
        clearTyping();
        closedNotice.hidden = false;
        closedNotice.textContent = reason === "transferred" ? t("chatTransferred") : reason === "expired" ? t("sessionExpired") : t("chatClosed");
        form.hidden = true;
        options.onClosed(reason);
      }
    },
    status: options.onStatus,
    typing(userCode) {
      typingLine.textContent = t("typing", { name: options.nameOf(userCode) });
      clearTimeout(typingTimer);
      typingTimer = setTimeout(clearTyping, TYPING_SHOWN_MS);
    },
  });

  function clearTyping(): void {
    clearTimeout(typingTimer);
    typingLine.textContent = "";
  }

  function noteRead(): void {
    if (document.visibilityState !== "visible" || !latest) return;
    // The room's read mark is the one source of the list's unread counts (the inbox's `unread`).
    connection.markRead();
  }

  function renderLog(state: ChatState): void {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const items = timeline(state, options.me);
    const keep = new Set(items.map((i) => i.key));
    for (const [key, entry] of rendered) {
      if (!keep.has(key)) {
        entry.el.remove();
        rendered.delete(key);
      }
    }
    let previous: Element | null = null;
    for (const item of items) {
      const signature = signatureOf(item);
      let entry = rendered.get(item.key);
      if (!entry || entry.signature !== signature) {
        const el = bubble(item, (id) => connection.retry(id), (ref, stored) => fileBlock(options.requestIdx, ref, stored));
        entry?.el.replaceWith(el);
        entry = { el, signature };
        rendered.set(item.key, entry);
      }
      const expectedPosition: Element | null = previous ? previous.nextElementSibling : log.firstElementChild;
      if (expectedPosition !== entry.el) log.insertBefore(entry.el, expectedPosition);
      previous = entry.el;
    }
    if (nearBottom) log.scrollTop = log.scrollHeight;
  }

  function updateCounter(): void {
    const length = textarea.value.trim().length;
    counter.textContent = t("counter", { n: length, max: MAX_MESSAGE_LENGTH });
    const over = length > MAX_MESSAGE_LENGTH;
    counter.classList.toggle("over", over);
    textarea.setAttribute("aria-invalid", String(over));
    sendButton.disabled = over;
    if (over) counter.textContent += ` — ${t("tooLong", { max: MAX_MESSAGE_LENGTH })}`;
  }

  function submit(): void {
    const draft = validateDraft(textarea.value);
    if (!draft.ok) return;
    connection.send(draft.content);
    textarea.value = "";
    updateCounter();
    textarea.focus();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  textarea.addEventListener("keydown", (e) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms a Hangul/IME composition is not a send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  textarea.addEventListener("input", () => {
    updateCounter();
    if (textarea.value.trim()) connection.typing();
  });
  document.addEventListener("visibilitychange", noteRead);
  updateCounter();
  if (!options.readOnly) acceptDrops(root, (files) => tray.add(files));

  /** Stops the live chat; the log stays, with `notice` saying why (unless one is shown). */
  return (notice?: string) => {
    form.hidden = true;
    clearTyping();
    if (notice && closedNotice.hidden) {
      closedNotice.hidden = false;
      closedNotice.textContent = notice;
    }
    document.removeEventListener("visibilitychange", noteRead);
    connection.close();
  };
}

function signatureOf(item: TimelineItem): string {
  return item.kind === "message" ? `m:${item.message.seq}:${item.read}` : `p:${item.pending.state}`;
}

/** Files dropped anywhere on the chat panel are attached (not opened by the browser). */
function acceptDrops(zone: HTMLElement, add: (files: File[]) => void): void {
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  let depth = 0;
  zone.addEventListener("dragenter", (e) => {
    if (!carriesFiles(e)) return;
    depth++;
    zone.classList.add("dropping");
    zone.dataset.dropLabel = t("dropHere");
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove("dropping");
  });
  zone.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = "copy";
  });
  zone.addEventListener("drop", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.classList.remove("dropping");
    add([...e.dataTransfer!.files]);
  });
}

type FileBlock = (ref: FileRef, stored: boolean) => HTMLElement;

function bubble(item: TimelineItem, retry: (clientMsgId: string) => void, file: FileBlock): HTMLLIElement {
  if (item.kind === "pending") {
    const p = item.pending;
    const status =
      p.state === "failed"
        ? h("span", { class: "state failed" }, t("failed"), " ", h("button", { type: "button", class: "link", onclick: () => retry(p.clientMsgId) }, t("retry")))
        : h("span", { class: "state" }, p.state === "acked" ? t("sent") : t("pending"));
    return h(
      "li",
      { class: `msg mine ${p.state}`, "data-client-id": p.clientMsgId, "data-state": p.state, "aria-busy": p.state === "sending" ? "true" : null },
      p.attachment ? file(p.attachment, false) : null,
      p.content || !p.attachment ? h("p", { class: "body" }, p.content) : null,
      h("p", { class: "meta" }, status),
    );
  }
  const m = item.message;
  if (m.type === "SYSTEM") {
    return h("li", { class: "msg system", "data-seq": m.seq }, h("p", { class: "body" }, m.content), h("p", { class: "meta" }, formatClock(m.sentAt)));
  }
  return h(
    "li",
    { class: `msg ${item.mine ? "mine" : "theirs"}`, "data-seq": m.seq, "data-client-id": m.clientMsgId, "data-state": "stored" },
    item.mine ? null : h("p", { class: "sender" }, m.senderName),
    m.attachment ? file(m.attachment, true) : null,
    m.content || !m.attachment ? h("p", { class: "body" }, m.content) : null,
    h(
      "p",
      { class: "meta" },
      h("time", { datetime: m.sentAt }, formatClock(m.sentAt)),
      item.mine ? h("span", { class: item.read ? "state read" : "state" }, item.read ? t("read") : t("sent")) : null,
    ),
  );
}
