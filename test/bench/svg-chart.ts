/** A small log-log line chart of latency against offered rate, as standalone SVG text. */

export interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: { x: number; y: number }[];
}

const W = 640;
const H = 400;
const M = { left: 64, right: 170, top: 36, bottom: 48 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Powers of ten and their 2× and 5× between lo and hi, for log-axis ticks. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

export function latencyChart(title: string, series: Series[], thresholdMs: number): string {
  const points = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  const xs = points.map((p) => p.x);
  const ys = [...points.map((p) => p.y), thresholdMs];
  const [x0, x1] = [Math.min(...xs) / 1.2, Math.max(...xs) * 1.2];
  const [y0, y1] = [Math.max(0.1, Math.min(...ys) / 1.5), Math.max(...ys) * 1.5];
  const px = (x: number) => M.left + ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (H - M.top - M.bottom);
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="20" text-anchor="middle" font-size="13">${esc(title)}</text>`,
  ];
  // The x ticks are the rates actually tried: the sweep's steps are what the reader compares.
  let lastLabel = -Infinity;
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${f(px(t))}" y1="${M.top}" x2="${f(px(t))}" y2="${H - M.bottom}" stroke="#eee"/>`);
    // Log scale crowds the high rates: a label only where it does not touch the previous one.
    if (px(t) - lastLabel < 30) continue;
    lastLabel = px(t);
    out.push(`<text x="${f(px(t))}" y="${H - M.bottom + 14}" text-anchor="middle">${t}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${M.left}" y1="${f(py(t))}" x2="${W - M.right}" y2="${f(py(t))}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">offered rate (messages/s, log)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">latency send→delivery (ms, log)</text>`,
    `<line x1="${M.left}" y1="${f(py(thresholdMs))}" x2="${W - M.right}" y2="${f(py(thresholdMs))}" stroke="#c00" stroke-dasharray="2 3"/>`,
    `<text x="${M.left + 4}" y="${f(py(thresholdMs) - 4)}" fill="#c00">knee: p99 ${thresholdMs} ms</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0);
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(" ")}"/>`);
    for (const p of pts) out.push(`<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3" fill="${s.color}"/>`);
    const ly = M.top + 14 + i * 18;
    out.push(`<line x1="${W - M.right + 12}" y1="${ly - 4}" x2="${W - M.right + 40}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
