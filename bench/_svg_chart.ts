// Grouped horizontal bar charts as standalone SVG, for bench/results/.

/** One group of bars (a workflow, a contender, …). */
export interface BarGroup {
  label: string;
  /** One value per series, in the order of `series` (`NaN`: no figure, drawn as "n/a"). */
  values: number[];
}

const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"];

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A grouped bar chart: one row of bars per group, one colour per series, values printed. */
export function barChart(opts: {
  title: string;
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** Log scale, for values that span orders of magnitude. */
  log?: boolean;
  /** How a value is printed beside its bar (default: up to two decimals). */
  format?: (value: number) => string;
}): string {
  const barH = 14;
  const gap = 4;
  const groupGap = 14;
  // Room for the longest group label (about 7 px a character at 12 px).
  const longest = Math.max(0, ...opts.groups.map((g) => g.label.length));
  const left = Math.max(190, Math.ceil(longest * 7) + 16);
  const width = 570 + left;
  const format = opts.format ??
    ((v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 2 }));
  const plot = width - left - 90;
  const max = Math.max(1, ...opts.groups.flatMap((g) => g.values.filter(Number.isFinite)));
  const scale = (v: number) =>
    opts.log ? (v <= 1 ? 0 : Math.log10(v) / Math.log10(max)) * plot : (v / max) * plot;
  const rows: string[] = [];
  let y = 48;
  for (const g of opts.groups) {
    const groupHeight = g.values.length * (barH + gap);
    rows.push(
      `<text x="${left - 8}" y="${
        y + groupHeight / 2
      }" text-anchor="end" dominant-baseline="middle">${escape(g.label)}</text>`,
    );
    g.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        // No figure (not measured, or failed): an empty row that says so.
        rows.push(
          `<text x="${left + 4}" y="${
            y + barH / 2
          }" dominant-baseline="middle" class="v">n/a</text>`,
        );
        y += barH + gap;
        return;
      }
      const w = Math.max(1, scale(v));
      rows.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${
          COLORS[i % COLORS.length]
        }"/>`,
        `<text x="${left + w + 4}" y="${y + barH / 2}" dominant-baseline="middle" class="v">${
          escape(format(v))
        }</text>`,
      );
      y += barH + gap;
    });
    y += groupGap;
  }
  // The legend wraps to more rows when the series do not fit in one.
  const perRow = Math.max(1, Math.floor((width - left) / 180));
  const legend = opts.series.map((s, i) => {
    const x = left + (i % perRow) * 180;
    const ly = y + Math.floor(i / perRow) * 18;
    return `<rect x="${x}" y="${ly}" width="10" height="10" fill="${
      COLORS[i % COLORS.length]
    }"/><text x="${x + 14}" y="${ly + 9}">${escape(s)}</text>`;
  }).join("");
  const height = y + 10 + Math.ceil(opts.series.length / perRow) * 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<style>.v{fill:#333;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="24" font-size="15" font-weight="bold">${escape(opts.title)}</text>
<text x="${left}" y="38" fill="#666">${escape(opts.unit)}${opts.log ? " (log scale)" : ""}</text>
${rows.join("\n")}
${legend}
</svg>
`;
}

/** One line of a {@link lineChart}. */
export interface LineSeries {
  label: string;
  /** Points in order of x. */
  points: { x: number; y: number }[];
}

/** A line chart with linear axes, one colour per series, for values sampled over a run. */
export function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
}): string {
  const width = 760;
  const height = 420;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 110;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = opts.series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.x));
  const maxY = niceCeil(Math.max(1, ...all.map((p) => p.y)));
  const sx = (x: number) => left + (x / maxX) * plotW;
  const sy = (y: number) => top + plotH - (y / maxY) * plotH;
  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = (maxY / 5) * i;
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${sy(v)}" y2="${sy(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${sy(v)}" text-anchor="end" dominant-baseline="middle" class="v">${
        v.toLocaleString("en-US", { maximumFractionDigits: 0 })
      }</text>`,
    );
    const x = (maxX / 5) * i;
    parts.push(
      `<text x="${sx(x)}" y="${top + plotH + 16}" text-anchor="middle" class="v">${
        x.toLocaleString("en-US", { maximumFractionDigits: 0 })
      }</text>`,
    );
  }
  opts.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
    parts.push(
      `<path d="${d.join(" ")}" fill="none" stroke="${
        COLORS[i % COLORS.length]
      }" stroke-width="2"/>`,
    );
  });
  const legendY = top + plotH + 44;
  const legend = opts.series.map((s, i) =>
    `<rect x="${left + (i % 2) * 340}" y="${
      legendY + Math.floor(i / 2) * 18
    }" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${
      left + (i % 2) * 340 + 14
    }" y="${legendY + Math.floor(i / 2) * 18 + 9}">${escape(s.label)}</text>`
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<style>.v{fill:#333;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="24" font-size="15" font-weight="bold">${escape(opts.title)}</text>
<text x="${left}" y="40" fill="#666">${escape(opts.yLabel)}</text>
<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>
<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>
${parts.join("\n")}
<text x="${left + plotW / 2}" y="${top + plotH + 32}" text-anchor="middle" fill="#666">${
    escape(opts.xLabel)
  }</text>
${legend}
</svg>
`;
}

function niceCeil(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}
