import { t } from "../i18n";
import { yTicks } from "./chart-scale";

export interface Series {
  key: string;
  label: string;
  /** CSS class of the bars (colours in styles.css, both themes). */
  tone: string;
  values: number[];
}

const W = 640;
const H = 260;
const PAD = { left: 44, right: 12, top: 16, bottom: 54 };

/**
 * Grouped bars per day with both axes and their labels, as inline SVG (attributes only:
 * nothing the CSP would refuse). The SVG is an image with a text alternative; the table
 * next to it carries the numbers for keyboard and screen-reader users.
 */
export function DayChart({ title, days, series, axis = "chartAxisDay" }: { title: string; days: string[]; series: Series[]; axis?: "chartAxisDay" | "colStatus" }) {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const ticks = yTicks(max);
  const top = ticks.at(-1)!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, days.length);
  const barW = Math.max(2, Math.min(18, (band * 0.8) / series.length));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const labelEvery = Math.ceil(days.length / 10);
  const summary = series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`).join(", ");
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="day-chart-title day-chart-desc">
      <title id="day-chart-title">{title}</title>
      <desc id="day-chart-desc">{days.length > 1 ? `${days[0]} – ${days.at(-1)}: ${summary}` : summary}</desc>
      {ticks.map((v) => (
        <g key={v}>
          <line class="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
          <text class="chart-label" x={PAD.left - 6} y={y(v)} text-anchor="end" dominant-baseline="middle">
            {v}
          </text>
        </g>
      ))}
      <line class="chart-axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + plotH} />
      <line class="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
      {days.map((day, i) => {
        const x0 = PAD.left + i * band + (band - barW * series.length) / 2;
        return (
          <g key={day}>
            {series.map((s, j) => (
              <rect class={`chart-bar ${s.tone}`} x={x0 + j * barW} y={y(s.values[i] ?? 0)} width={barW - 1} height={Math.max(0, PAD.top + plotH - y(s.values[i] ?? 0))} />
            ))}
            {i % labelEvery === 0 ? (
              <text class="chart-label" x={PAD.left + i * band + band / 2} y={PAD.top + plotH + 16} text-anchor="middle">
                {/^\d{4}-\d{2}-\d{2}$/.test(day) ? day.slice(5) : day}
              </text>
            ) : null}
          </g>
        );
      })}
      <text class="chart-axis-title" x={PAD.left + plotW / 2} y={H - 20} text-anchor="middle">
        {t(axis)}
      </text>
      <text class="chart-axis-title" x={12} y={PAD.top + plotH / 2} text-anchor="middle" transform={`rotate(-90 12 ${PAD.top + plotH / 2})`}>
        {t("chartAxisCount")}
      </text>
      {series.map((s, j) => (
        <g key={s.key}>
          <rect class={`chart-bar ${s.tone}`} x={PAD.left + j * 140} y={H - 12} width={10} height={10} />
          <text class="chart-label" x={PAD.left + j * 140 + 14} y={H - 3}>
            {s.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
