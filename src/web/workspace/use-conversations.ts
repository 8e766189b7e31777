import { useEffect, useState } from "preact/hooks";
import { consultations } from "../api";
import { inbox } from "../app/app-state";
import type { InboxConsultation } from "../../protocol/inbox-frames";
import { useInboxFrames, useWhileDown } from "../ui/use-inbox";
import { isOpen } from "../views/consultation-rules";

const PAGE = 30;

/**
 * The consultations the workspace lists: the newest page from REST (finished ones too),
 * then kept live by the inbox socket (new requests, status changes; unread counts and
 * last messages are read from the store by the list itself). It reloads only when the
 * socket comes back after a drop, and every 30 s while it is down.
 */
export function useConversations(me: string) {
  // An admin's inbox carries every consultation (the dashboard's feed): the list keeps the user's own.
  const mine = (c: InboxConsultation) => c.requesterUserCode === me || c.recipientUserCode === me;
  const [known, setKnown] = useState(() => new Map<number, InboxConsultation>());
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);

  async function load(from: string | null): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (from) query.set("cursor", from);
    try {
      const page = await consultations.list(query);
      const store = inbox.value?.store;
      setKnown((old) => {
        const next = from ? new Map(old) : new Map<number, InboxConsultation>();
        for (const c of page.items) next.set(c.requestIdx, newer(store?.consultations.get(c.requestIdx), c));
        // Live ones the page did not reach (older than it, or created meanwhile).
        if (store?.ready) for (const c of store.consultations.values()) if (!next.has(c.requestIdx) && mine(c)) next.set(c.requestIdx, c);
        return next;
      });
      setCursor(page.nextCursor);
      setError(null);
      setLoaded(true);
    } catch (e) {
      setError(e);
    }
  }

  /** A newer version of one consultation (REST answer after an action, or a frame). */
  function put(c: InboxConsultation): void {
    setKnown((old) => {
      const current = old.get(c.requestIdx);
      const merged = current ? newer(current, c) : c;
      if (merged === current) return old;
      return new Map(old).set(c.requestIdx, merged);
    });
  }

  useEffect(() => void load(null), []);
  let readyCount = inbox.value?.store.ready ? 1 : 0;
  useInboxFrames((frame, store) => {
    if (frame.type === "consultation" && (mine(frame.consultation) || known.has(frame.consultation.requestIdx))) put(frame.consultation);
    if (frame.type === "ready") {
      // A reconnect: anything may have changed while away (finished ones are not in `ready`).
      if (readyCount++ > 0) void load(null);
      else for (const c of store.consultations.values()) if (mine(c)) put(c);
    }
  }, []);
  useWhileDown(() => void load(null), []);

  const list = [...known.values()].sort(byAttention);
  return { list, known, put, reload: () => load(null), more: cursor ? () => load(cursor) : null, error, loaded };
}

/**
 * The newer of two versions of a row (`b` is the one that arrived later). A queue place
 * changes without updatedAt, so rows of the same version merge, the later one's fields
 * winning (a REST row has no queue place, so the inbox's stays).
 */
export function newer(a: InboxConsultation | undefined, b: InboxConsultation): InboxConsultation {
  if (!a) return b;
  if (a.updatedAt > b.updatedAt) return a;
  if (b.updatedAt > a.updatedAt) return b;
  return { ...a, ...b };
}

/** Open conversations first (most recent activity on top), then the rest, newest first. */
function byAttention(a: InboxConsultation, b: InboxConsultation): number {
  const rank = (c: InboxConsultation) => (isOpen(c) ? 0 : c.status === "PENDING" ? 1 : 2);
  const at = (c: InboxConsultation) => c.lastActivityAt ?? c.updatedAt;
  return rank(a) - rank(b) || (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : b.requestIdx - a.requestIdx);
}
