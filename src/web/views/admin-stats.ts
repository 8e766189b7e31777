import { api } from "../api";
import type { View } from "../app-context";
import { h } from "../dom";
import { statusLabel, t } from "../i18n";
import { STATUSES } from "../../domain/types";
import { barChart } from "./bar-chart";
import { errorBox } from "./error-box";

interface Stats {
  byStatus: Record<string, number>;
  meanDurationMinutes: number | null;
  messagesLast24h: number;
}

/** The admin's statistics: consultations by status (chart), mean duration, recent messages. */
export const adminStatsView: View = (root) => {
  const body = h("div", {}, h("p", {}, t("loading")));
  root.append(h("h1", {}, t("statsTitle")), body);

  async function load(): Promise<void> {
    try {
      const stats = await api<Stats>("GET", "/api/admin/stats");
      const bars = STATUSES.map((s) => ({ key: s, label: statusLabel(s), value: stats.byStatus[s] ?? 0 }));
      body.replaceChildren(
        h(
          "dl",
          { class: "figures" },
          h("div", {}, h("dt", {}, t("statsMeanDuration")), h("dd", { "data-figure": "mean" }, stats.meanDurationMinutes === null ? t("statsNone") : t("minutes", { n: Math.round(stats.meanDurationMinutes) }))),
          h("div", {}, h("dt", {}, t("statsMessages24h")), h("dd", { "data-figure": "messages" }, String(stats.messagesLast24h))),
        ),
        h("figure", { class: "card" }, h("figcaption", {}, t("statsByStatus")), barChart(t("statsByStatus"), bars)),
      );
    } catch (e) {
      body.replaceChildren(errorBox(e, () => void load()));
    }
  }
  void load();
};
