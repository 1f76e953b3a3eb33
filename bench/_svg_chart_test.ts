import assert from "node:assert/strict";
import { barChart, lineChart } from "./_svg_chart.ts";

Deno.test("a bar with no figure is drawn as n/a, not as a zero bar", () => {
  const svg = barChart({
    title: "t",
    unit: "µs",
    series: ["a", "b"],
    groups: [{ label: "x", values: [10, NaN] }, { label: "y", values: [1000, 5] }],
    log: true,
  });
  assert.equal(svg.match(/height="14"/g)?.length, 3);
  assert.equal(svg.match(/>n\/a</g)?.length, 1);
  assert.ok(svg.includes(">1,000<"));
});

Deno.test("a line chart draws one path per series, scaled to the largest value", () => {
  const svg = lineChart({
    title: "RSS",
    xLabel: "executions",
    yLabel: "MiB",
    series: [
      { label: "a", points: [{ x: 0, y: 10 }, { x: 100, y: 90 }] },
      { label: "b <c>", points: [{ x: 0, y: 50 }, { x: 50, y: 50 }, { x: 100, y: 40 }] },
    ],
  });
  const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 2);
  assert.equal(paths[1].split(" ").length, 3);
  // The y axis tops out at 100 (the next round value above 90): 90 sits near the top.
  assert.ok(svg.includes(">100<"));
  assert.equal(paths[0], "M70.0,284.0 L740.0,76.0");
  assert.ok(svg.includes("b &lt;c&gt;"));
});
