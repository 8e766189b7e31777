import { useEffect, useRef, useState } from "preact/hooks";
import { consultations } from "../api";
import { now } from "../app/app-state";
import { formatTime, formatWait, statusLabel, t } from "../i18n";
import type { Consultation } from "../types";
import { ErrorBox } from "../ui/error-box";
import { useInboxFrames, useWhileDown } from "../ui/use-inbox";
import { StatusBadge } from "../workspace/details-pane";
import { Metrics } from "./metrics";
import { overview } from "./overview";

const OPEN = ["PENDING", "SCHEDULED", "IN_PROGRESS"] as const;
const PAGE = 100;
/** Frames arriving close together cause one reload. */
const SETTLE_MS = 300;

/** Every open consultation (all users), from the admin's REST list, a few pages at most. */
async function loadOpen(): Promise<Consultation[]> {
  const all: Consultation[] = [];
  for (const status of OPEN) {
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const q = new URLSearchParams({ all: "true", status, limit: String(PAGE) });
      if (cursor) q.set("cursor", cursor);
      const res = await consultations.list(q);
      all.push(...res.items);
      cursor = res.nextCursor;
      if (!cursor) break;
    }
  }
  return all;
}

/**
 * The admin's dashboard (the help-desk seed): live counts of waiting, scheduled and
 * in-progress consultations, each queue's length and longest wait, the open conversations
 * per counselor, the table of open consultations with filters (each opens the read-only
 * chat with end and transfer), and the service metrics. The admin's inbox socket says
 * when something changed (admins watch every consultation, SPEC 9 as extended in the
 * README); the view then reads the open list again.
 */
export function AdminDashboard() {
  const [items, setItems] = useState<Consultation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const [category, setCategory] = useState("");
  const [counselor, setCounselor] = useState("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = () =>
    loadOpen().then(
      (list) => (setItems(list), setError(null)),
      (e: unknown) => setError(e),
    );
  const soon = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), SETTLE_MS);
  };
  useEffect(() => {
    void load();
    return () => clearTimeout(timer.current);
  }, []);
  useInboxFrames((frame) => {
    if (frame.type === "consultation" || frame.type === "queue" || frame.type === "ready") soon();
  }, []);
  useWhileDown(() => void load(), []);

  const view = overview(items ?? [], now.value);
  const shown = (items ?? []).filter(
    (c) => (!status || c.status === status) && (!category || (c.category ?? "") === category) && (!counselor || (c.recipientUserCode ?? "").includes(counselor.trim().toUpperCase())),
  );

  return (
    <div class="page dashboard">
      <h1>{t("dashTitle")}</h1>
      {error ? <ErrorBox error={error} retry={() => void load()} /> : null}
      <section aria-labelledby="live-title">
        <h2 id="live-title">{t("dashLive")}</h2>
        <dl class="figures" aria-live="polite">
          <div>
            <dt>{t("dashWaiting")}</dt>
            <dd data-count="PENDING">{items ? view.counts.PENDING : "…"}</dd>
          </div>
          <div>
            <dt>{t("dashScheduled")}</dt>
            <dd data-count="SCHEDULED">{items ? view.counts.SCHEDULED : "…"}</dd>
          </div>
          <div>
            <dt>{t("dashInProgress")}</dt>
            <dd data-count="IN_PROGRESS">{items ? view.counts.IN_PROGRESS : "…"}</dd>
          </div>
        </dl>
      </section>
      <div class="dash-grid">
        <section class="card" aria-labelledby="queues-title">
          <h2 id="queues-title">{t("dashQueues")}</h2>
          <table class="list" data-queues>
            <caption class="visually-hidden">{t("dashQueues")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("category")}</th>
                <th scope="col">{t("dashQueueLength")}</th>
                <th scope="col">{t("dashLongestWait")}</th>
              </tr>
            </thead>
            <tbody>
              {view.queues.map((q) => (
                <tr key={q.category} data-category={q.category}>
                  <th scope="row">{q.category || t("uncategorised")}</th>
                  <td data-queue-length>{q.length}</td>
                  <td>{formatWait(q.longestWaitMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.queues.length === 0 ? <p class="help">{t("queueEmpty")}</p> : null}
        </section>
        <section class="card" aria-labelledby="load-title">
          <h2 id="load-title">{t("dashPerCounselor")}</h2>
          <table class="list" data-per-counselor>
            <caption class="visually-hidden">{t("dashPerCounselor")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("dashCounselor")}</th>
                <th scope="col">{t("dashOpenCount")}</th>
              </tr>
            </thead>
            <tbody>
              {view.perCounselor.map((p) => (
                <tr key={p.userCode} data-counselor={p.userCode}>
                  <th scope="row">{p.name ? `${p.name} (${p.userCode})` : p.userCode}</th>
                  <td data-open-count>{p.open}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section class="card" aria-labelledby="open-title">
        <h2 id="open-title">{t("dashOpenTable")}</h2>
        <div class="filters">
          <div class="field">
            <label for="filter-status">{t("dashFilterStatus")}</label>
            <select id="filter-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
              <option value="">{t("dashAll")}</option>
              {OPEN.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-category">{t("dashFilterCategory")}</label>
            <select id="filter-category" value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
              <option value="">{t("dashAll")}</option>
              {view.categories.map((c) => (
                <option key={c} value={c}>
                  {c || t("uncategorised")}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-counselor">{t("dashFilterCounselor")}</label>
            <input id="filter-counselor" type="search" maxLength={64} value={counselor} onInput={(e) => setCounselor((e.target as HTMLInputElement).value)} />
          </div>
        </div>
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="open-title">
          <table class="list" data-open-table>
            <thead>
              <tr>
                <th scope="col">{t("colTitle")}</th>
                <th scope="col">{t("colStatus")}</th>
                <th scope="col">{t("requester")}</th>
                <th scope="col">{t("recipient")}</th>
                <th scope="col">{t("category")}</th>
                <th scope="col">{t("createdAt")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.requestIdx} data-request={c.requestIdx}>
                  <td>
                    <a href={`/consultations/${c.requestIdx}`} data-link>
                      {c.title}
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={c.status} />
                  </td>
                  <td>{`${c.requesterName} (${c.requesterUserCode})`}</td>
                  <td>{c.recipientUserCode ? `${c.recipientName ?? ""} (${c.recipientUserCode})` : t("unassigned")}</td>
                  <td>{c.category ?? "-"}</td>
                  <td>{formatTime(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {items && shown.length === 0 ? <p class="help">{t("dashEmpty")}</p> : null}
      </section>
      <Metrics />
    </div>
  );
}
