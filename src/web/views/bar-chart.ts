/** A small accessible bar chart as inline SVG (no chart library for six bars). */

const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface Bar {
  key: string;
  label: string;
  value: number;
}

/** Horizontal bars, labelled with their values; the figure's title names the chart for screen readers. */
export function barChart(title: string, bars: Bar[]): SVGSVGElement {
  const rowHeight = 34;
  const labelWidth = 110;
  const width = 480;
  const height = bars.length * rowHeight + 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title", class: "chart" });
  chart.append(svg("title", { id: "chart-title" }, `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(", ")}`));
  bars.forEach((b, i) => {
    const y = i * rowHeight + 5;
    const barWidth = ((width - labelWidth - 50) * b.value) / max;
    chart.append(
      svg("text", { x: labelWidth - 8, y: y + rowHeight / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "chart-label" }, b.label),
      svg("rect", { x: labelWidth, y: y + 4, width: Math.max(barWidth, 2), height: rowHeight - 10, rx: 3, class: `chart-bar bar-${b.key}` }),
      svg("text", { x: labelWidth + Math.max(barWidth, 2) + 6, y: y + rowHeight / 2, "dominant-baseline": "middle", class: "chart-value" }, String(b.value)),
    );
  });
  return chart;
}
