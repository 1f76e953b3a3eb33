// Grouped horizontal bar charts as standalone SVG, for bench/results/.

/** One group of bars (a workflow, a contender, …). */
export interface BarGroup {
  label: string;
  /** One value per series, in the order of `series`. */
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
}): string {
  const barH = 14;
  const gap = 4;
  const groupGap = 14;
  const left = 190;
  const width = 760;
  const plot = width - left - 90;
  const max = Math.max(1, ...opts.groups.flatMap((g) => g.values));
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
      const w = Math.max(1, scale(v));
      rows.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${
          COLORS[i % COLORS.length]
        }"/>`,
        `<text x="${left + w + 4}" y="${y + barH / 2}" dominant-baseline="middle" class="v">${
          v.toLocaleString("en-US", { maximumFractionDigits: 2 })
        }</text>`,
      );
      y += barH + gap;
    });
    y += groupGap;
  }
  const legend = opts.series.map((s, i) =>
    `<rect x="${left + i * 180}" y="${y}" width="10" height="10" fill="${
      COLORS[i % COLORS.length]
    }"/><text x="${left + i * 180 + 14}" y="${y + 9}">${escape(s)}</text>`
  ).join("");
  const height = y + 28;
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
