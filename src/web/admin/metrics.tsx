import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api, download } from "../api";
import { statusLabel, t, type MessageKey } from "../i18n";
import { STATUSES } from "../../domain/types";
import { ErrorBox } from "../ui/error-box";
import { DayChart } from "./day-chart";
import { readStats, statsQuery, type Figures, type GroupBy, type StatsView } from "./stats-shape";

const DAY = 86_400_000;
const localDay = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
const COLUMNS: { label: MessageKey; value(f: Figures): number | null }[] = [
  { label: "metricsCreated", value: (f) => f.created },
  { label: "metricsCompleted", value: (f) => f.completed },
  { label: "metricsRejected", value: (f) => f.rejected },
  { label: "metricsCancelled", value: (f) => f.cancelled },
  { label: "metricsMessages", value: (f) => f.messages },
  { label: "metricsWaitMean", value: (f) => f.waitSeconds.mean },
  { label: "metricsWaitP90", value: (f) => f.waitSeconds.p90 },
  { label: "metricsFrtMean", value: (f) => f.firstResponseSeconds.mean },
  { label: "metricsFrtP90", value: (f) => f.firstResponseSeconds.p90 },
  { label: "metricsDuration", value: (f) => f.durationMinutes.mean },
];
const fmt = (v: number | null) => (v === null ? "–" : Number.isInteger(v) ? String(v) : v.toFixed(1));

/**
 * Service metrics from `GET /api/admin/stats` (SPEC section 15): a period and a grouping,
 * the per-day chart, the same numbers as a table, and the CSV of them. An older server
 * (no groups) still shows its counts by status; a missing endpoint says so.
 */
export function Metrics() {
  const [from, setFrom] = useState(localDay(new Date(Date.now() - 29 * DAY)));
  const [to, setTo] = useState(localDay(new Date()));
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const [stats, setStats] = useState<StatsView | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    setError(null);
    try {
      setStats(readStats(await api<unknown>("GET", statsQuery(from, to, groupBy))));
    } catch (e) {
      setStats(null);
      setError(e);
    }
  };
  useEffect(() => void load(), []);

  return (
    <section class="card metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title">{t("metricsTitle")}</h2>
      <form
        class="metrics-form"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div class="field">
          <label for="metrics-from">{t("metricsFrom")}</label>
          <input id="metrics-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="metrics-to">{t("metricsTo")}</label>
          <input id="metrics-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="metrics-group">{t("metricsGroupBy")}</label>
          <select id="metrics-group" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value as GroupBy)}>
            <option value="day">{t("groupDay")}</option>
            <option value="counselor">{t("groupCounselor")}</option>
            <option value="category">{t("groupCategory")}</option>
          </select>
        </div>
        <button type="submit" class="primary">
          {t("metricsLoad")}
        </button>
        {stats?.kind === "full" ? (
          <button type="button" data-csv onClick={() => void download("GET", statsQuery(from, to, groupBy, "csv"), `stats-${groupBy}.csv`).catch(setError)}>
            {t("metricsCsv")}
          </button>
        ) : null}
      </form>
      {error instanceof ApiFailure && error.status === 404 ? <p class="notice">{t("metricsUnavailable")}</p> : error ? <ErrorBox error={error} retry={() => void load()} /> : null}
      {stats ? <StatsBody stats={stats} /> : null}
    </section>
  );
}

function StatsBody({ stats }: { stats: StatsView }) {
  if (stats.kind === "legacy") {
    return (
      <>
        <p class="notice" data-stats-shape="legacy">
          {t("metricsUnavailable")}
        </p>
        <figure class="chart-figure">
          <DayChart
            title={t("statsByStatus")}
            axis="colStatus"
            days={STATUSES.map((s) => statusLabel(s))}
            series={[{ key: "count", label: t("statsByStatus"), tone: "tone-created", values: STATUSES.map((s) => stats.byStatus[s] ?? 0) }]}
          />
        </figure>
        <table class="list" data-stats-table>
          <caption>{t("statsByStatus")}</caption>
          <tbody>
            {STATUSES.map((s) => (
              <tr key={s}>
                <th scope="row">{statusLabel(s)}</th>
                <td>{stats.byStatus[s] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }
  const days = stats.groupBy === "day" ? stats.groups.map((g) => g.key) : [];
  return (
    <>
      {days.length ? (
        <figure class="chart-figure">
          <DayChart
            title={t("metricsChart")}
            days={days}
            series={[
              { key: "created", label: t("metricsCreated"), tone: "tone-created", values: stats.groups.map((g) => g.created) },
              { key: "completed", label: t("metricsCompleted"), tone: "tone-completed", values: stats.groups.map((g) => g.completed) },
            ]}
          />
        </figure>
      ) : null}
      {stats.groups.length === 0 ? <p class="help">{t("metricsEmpty")}</p> : null}
      <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="metrics-table-caption">
        <table class="list metrics-table" data-stats-table>
          <caption id="metrics-table-caption">{`${t("metricsTitle")} (${t(stats.groupBy === "day" ? "groupDay" : stats.groupBy === "counselor" ? "groupCounselor" : "groupCategory")})`}</caption>
          <thead>
            <tr>
              <th scope="col">{t("metricsKey")}</th>
              {COLUMNS.map((c) => (
                <th scope="col" key={c.label}>
                  {t(c.label)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {stats.groups.map((g) => (
              <tr key={g.key} data-group={g.key}>
                <th scope="row">{g.key || t("uncategorised")}</th>
                {COLUMNS.map((c) => (
                  <td key={c.label}>{fmt(c.value(g))}</td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-group="__totals">
              <th scope="row">{t("metricsTotals")}</th>
              {COLUMNS.map((c) => (
                <td key={c.label}>{fmt(c.value(stats.totals))}</td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}
