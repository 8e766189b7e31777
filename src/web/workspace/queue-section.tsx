import { useEffect, useState } from "preact/hooks";
import { consultations } from "../api";
import { inbox, navigate, now } from "../app/app-state";
import { formatWait, t } from "../i18n";
import type { QueueItem } from "../../protocol/inbox-frames";
import type { Consultation } from "../types";
import { ErrorBox } from "../ui/error-box";
import { useInboxStore, useWhileDown } from "../ui/use-inbox";

/**
 * The waiting queue as a live section of the counselor's list: unassigned requests,
 * oldest first, kept live by the inbox socket's `queue` frames. While the socket is down
 * it falls back to the REST queue, every 30 s. "Take" starts the chat at once; if another
 * counselor was faster the server answers 409 and the item is gone from the next frame.
 */
export function QueueSection({ heading }: { heading: "h1" | "h2" }) {
  const store = useInboxStore();
  const live = inbox.value?.status === "online" && store?.ready;
  const [fallback, setFallback] = useState<Consultation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState("");
  const refresh = () =>
    consultations.queue(filter.trim() || undefined).then(
      (items) => (setFallback(items), setError(null)),
      (e: unknown) => setError(e),
    );
  useWhileDown(() => void refresh(), [filter]);
  // Before the first `ready` (a fresh tab), show the REST queue once rather than nothing.
  useEffect(() => {
    if (!live) void refresh();
  }, [live, filter]);

  const wanted = filter.trim();
  const items: (Consultation & Partial<QueueItem>)[] = live ? (wanted ? (store!.queues.get(wanted) ?? []) : store!.allQueued()) : (fallback ?? []);
  const Heading = heading;
  return (
    <section class="queue-section" aria-labelledby="queue-title">
      <Heading id="queue-title" class="pane-heading">
        {t("queueTitle")} <span class="count">{t("queueCount", { n: items.length })}</span>
      </Heading>
      <div class="field inline-field">
        <label for="queue-filter">{t("queueFilter")}</label>
        <input id="queue-filter" type="search" maxLength={64} value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      </div>
      <p class="help" data-live={inbox.value?.status ?? "connecting"}>
        {live ? t("liveOnline") : inbox.value?.status === "connecting" ? t("connecting") : t("liveOffline")}
      </p>
      {error ? <ErrorBox error={error} retry={() => void refresh()} /> : null}
      <ul class="queue" aria-live="polite">
        {items.length ? items.map((c) => <QueueEntry key={c.requestIdx} c={c} onError={setError} />) : <li class="empty">{t("queueEmpty")}</li>}
      </ul>
    </section>
  );
}

function QueueEntry({ c, onError }: { c: Consultation & Partial<QueueItem>; onError(e: unknown): void }) {
  const [busy, setBusy] = useState(false);
  const since = c.waitingSince ?? c.createdAt;
  return (
    <li class="queue-item" data-request={c.requestIdx}>
      <a href={`/consultations/${c.requestIdx}`} data-link class="conv-title">
        {c.title}
      </a>
      <span class="help">
        {`${c.category ?? t("uncategorised")} · ${c.requesterName} (${c.requesterUserCode})`}
        {c.queuePosition ? ` · ${t("queuePosition", { n: c.queuePosition })}` : ""}
      </span>
      <span class="wait" data-waiting-since={since}>
        {t("waitingFor", { time: formatWait(now.value - Date.parse(since)) })}
      </span>
      {c.content ? <span class="excerpt">{c.content}</span> : null}
      <button
        type="button"
        class="primary"
        data-take={c.requestIdx}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await consultations.act(c.requestIdx, "start");
            navigate(`/consultations/${c.requestIdx}`);
          } catch (e) {
            setBusy(false);
            onError(e);
          }
        }}
      >
        {t("queuePick")}
      </button>
    </li>
  );
}
