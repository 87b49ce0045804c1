// Small SVG charts drawn by the page itself: a multi-series line chart, stacked bars and a donut. Labels are text nodes.
const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** A round step (1, 2 or 5 × 10^n) and the axis maximum it gives, for at most five gridlines above zero. */
function axis(value) {
  if (value <= 4) return { step: 1, max: 4 };
  const rough = value / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  return { step, max: step * Math.ceil(value / step) };
}

/**
 * Draws `labels.length` points for each series into `host` (replacing what was there).
 * `series`: [{ key, label, color, values }]. Every point is a circle `.point[data-series][data-index]` with a tooltip.
 */
export function lineChart(host, labels, series, { width = 760, height = 280 } = {}) {
  const pad = { top: 16, right: 16, bottom: 30, left: 44 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const { step, max } = axis(Math.max(0, ...series.flatMap((line) => line.values)));
  const x = (index) => pad.left + (labels.length <= 1 ? innerW / 2 : (index * innerW) / (labels.length - 1));
  const y = (value) => pad.top + innerH - (value / max) * innerH;

  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart line-chart", role: "img", "data-points": labels.length });
  const grid = svg("g", { class: "grid" });
  for (let value = 0; value <= max; value += step) {
    grid.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }));
    grid.append(svg("text", { x: pad.left - 8, y: y(value) + 4, "text-anchor": "end", class: "axis-label" }, value));
  }
  const last = labels.length - 1;
  labels.forEach((label, index) => {
    if ((index % 3 === 0 && last - index >= 3) || index === last) {
      grid.append(svg("text", { x: x(index), y: height - 8, "text-anchor": "middle", class: "axis-label" }, label));
    }
  });
  root.append(grid);

  for (const line of series.slice().reverse()) {
    const points = line.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
    if (line.fill) {
      const area = `${x(0)},${y(0)} ${points} ${x(line.values.length - 1)},${y(0)}`;
      root.append(svg("polygon", { points: area, fill: line.color, "fill-opacity": 0.08, class: "area" }));
    }
    const stroke = { points, fill: "none", stroke: line.color, "stroke-width": line.fill ? 2.4 : 2, "stroke-linejoin": "round", "stroke-linecap": "round", class: "series series-" + line.key };
    if (line.dashed) stroke["stroke-dasharray"] = "6 4";
    root.append(svg("polyline", stroke));
    const dots = svg("g", { class: "points" });
    line.values.forEach((value, index) => {
      dots.append(svg("circle", {
        cx: x(index), cy: y(value), r: 3.2, fill: "#fff", stroke: line.color, "stroke-width": 1.8,
        class: "point point-" + line.key, "data-series": line.key, "data-index": index, "data-value": value,
      }, svg("title", {}, `${labels[index]} · ${line.label}: ${value}`)));
    });
    root.append(dots);
  }
  host.replaceChildren(root);
  return root;
}

export const PALETTE = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#ec4899", "#64748b", "#94a3b8"];

/** Draws a donut of `items` ([{label, value}]) into `host`; the centre shows `centerText`. Returns the colours used. */
export function donutChart(host, items, centerText, centerLabel) {
  const size = 220;
  const radius = 86;
  const thickness = 30;
  const total = items.reduce((sum, item) => sum + item.value, 0);
  const root = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "chart donut-chart", role: "img", "data-slices": items.length });
  const center = size / 2;
  root.append(svg("circle", { cx: center, cy: center, r: radius, fill: "none", stroke: "#eef0f6", "stroke-width": thickness }));
  let angle = -Math.PI / 2;
  items.forEach((item, index) => {
    if (!total || !item.value) return;
    const sweep = (item.value / total) * Math.PI * 2;
    const color = PALETTE[index % PALETTE.length];
    const title = svg("title", {}, `${item.label}: ${item.value} (${((item.value / total) * 100).toFixed(1)}%)`);
    if (sweep >= Math.PI * 2 - 1e-6) {
      root.append(svg("circle", { cx: center, cy: center, r: radius, fill: "none", stroke: color, "stroke-width": thickness, class: "slice" }, title));
    } else {
      const end = angle + sweep;
      const large = sweep > Math.PI ? 1 : 0;
      const d = `M ${center + radius * Math.cos(angle)} ${center + radius * Math.sin(angle)} A ${radius} ${radius} 0 ${large} 1 ${center + radius * Math.cos(end)} ${center + radius * Math.sin(end)}`;
      root.append(svg("path", { d, fill: "none", stroke: color, "stroke-width": thickness, class: "slice" }, title));
      angle = end;
    }
  });
  root.append(svg("text", { x: center, y: center - 2, "text-anchor": "middle", class: "donut-value" }, centerText));
  root.append(svg("text", { x: center, y: center + 20, "text-anchor": "middle", class: "donut-label" }, centerLabel));
  host.replaceChildren(root);
  return items.map((_, index) => PALETTE[index % PALETTE.length]);
}

/**
 * Draws stacked bars into `host`: one bar per label, one segment per series (bottom to top in `series` order).
 * `series`: [{ key, label, color, values }]. Every segment is a `rect.chart-bar[data-series][data-index][data-value]` with a
 * tooltip; the chart names itself with `title` (its accessible name) and lists the totals per bar in `desc`.
 */
export function stackedBarChart(host, labels, series, { title = "", width = 760, height = 280 } = {}) {
  const pad = { top: 16, right: 16, bottom: 30, left: 52 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = labels.map((_, index) => series.reduce((sum, line) => sum + (line.values[index] || 0), 0));
  const { step, max } = axis(Math.max(0, ...totals));
  const slot = innerW / Math.max(1, labels.length);
  const barW = Math.max(1, Math.min(48, slot * 0.7));
  const y = (value) => pad.top + innerH - (value / max) * innerH;

  const id = "chart-" + Math.random().toString(36).slice(2, 9);
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "chart bar-chart", role: "img", "aria-labelledby": `${id}-title ${id}-desc`, "data-bars": labels.length,
  });
  root.append(svg("title", { id: id + "-title" }, title));
  root.append(svg("desc", { id: id + "-desc" }, labels.map((label, index) => `${label}: ${totals[index]}`).join("; ")));
  const grid = svg("g", { class: "grid" });
  for (let value = 0; value <= max; value += step) {
    grid.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }));
    grid.append(svg("text", { x: pad.left - 8, y: y(value) + 4, "text-anchor": "end", class: "axis-label" }, compact(value)));
  }
  // At most about twelve axis labels, always the last one.
  const every = Math.max(1, Math.ceil(labels.length / 12));
  const last = labels.length - 1;
  labels.forEach((label, index) => {
    if ((index % every === 0 && last - index >= every) || index === last) {
      // A label that would run past the right edge (about 6.5 px a character) ends at the edge instead.
      const center = pad.left + slot * (index + 0.5);
      const clipped = center + (String(label).length * 6.5) / 2 > width;
      grid.append(svg("text", { x: clipped ? width - 2 : center, y: height - 8, "text-anchor": clipped ? "end" : "middle", class: "axis-label" }, label));
    }
  });
  root.append(grid);

  const bars = svg("g", { class: "bars" });
  labels.forEach((label, index) => {
    let base = 0;
    for (const line of series) {
      const value = line.values[index] || 0;
      if (value <= 0) continue;
      const top = y(base + value);
      bars.append(svg("rect", {
        x: (pad.left + slot * (index + 0.5) - barW / 2).toFixed(1), y: top.toFixed(1), width: barW.toFixed(1),
        height: Math.max(0.5, y(base) - top).toFixed(1), fill: line.color, class: "chart-bar",
        "data-series": line.key, "data-index": index, "data-value": value,
      }, svg("title", {}, `${label} · ${line.label}: ${value}`)));
      base += value;
    }
  });
  root.append(bars);
  host.replaceChildren(root);
  return root;
}

/** 1200 → "1.2k", 3400000 → "3.4M": axis numbers that fit the margin. */
function compact(value) {
  if (value >= 1e6) return +(value / 1e6).toFixed(1) + "M";
  if (value >= 1e4) return +(value / 1e3).toFixed(1) + "k";
  return String(value);
}
