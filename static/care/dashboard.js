// The supervisors' dashboard: draws the charts from the figures the page carries
// (#dashboard-figures) and redraws the whole body every 30 seconds, so the page stays live.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root || !window.Chart) return;
  const COLORS = ["#0f766e", "#2563eb", "#b45309", "#7c3aed", "#be185d", "#15803d"];
  const MUTED = "#9ca3af";
  let charts = [];
  let dimension = "channel";
  let measure = "first_response";

  const minutes = (s) => (s === null || s === undefined ? null : Math.round((s / 60) * 10) / 10);

  function draw(animate) {
    charts.forEach((c) => c.destroy());
    charts = [];
    const node = document.getElementById("dashboard-figures");
    if (!node) return;
    const f = JSON.parse(node.textContent);
    Chart.defaults.animation = animate ? { duration: 300 } : false;
    Chart.defaults.maintainAspectRatio = false;
    const make = (id, config) => {
      const canvas = document.getElementById(id);
      if (canvas) charts.push(new Chart(canvas, config));
    };
    const t = (key) => root.dataset[key] || key;
    const d = f.response.distribution;
    make("chart-distribution", {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: t("labelThis"), data: d.current, backgroundColor: COLORS[0] },
          { label: t("labelPrevious"), data: d.previous, backgroundColor: MUTED },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: t("labelCases") } } } },
    });
    const by = f.response.by[dimension][measure];
    const hours = measure === "resolution";
    const scale = (v) => (v === null || v === undefined ? null : hours ? Math.round((v / 3600) * 10) / 10 : minutes(v));
    make("chart-by", {
      type: "bar",
      data: {
        labels: by.map((g) => g.label),
        datasets: [
          { label: t("labelMedian"), data: by.map((g) => scale(g.median)), backgroundColor: COLORS[0] },
          { label: t("labelP90"), data: by.map((g) => scale(g.p90)), backgroundColor: COLORS[1] },
        ],
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: t(hours ? "labelHours" : "labelMinutes") } } },
      },
    });
    const b = f.workload.backlog;
    make("chart-backlog", {
      type: "bar",
      data: { labels: b.labels, datasets: [{ label: t("labelOpen"), data: b.counts, backgroundColor: COLORS[2] }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    });
    const v = f.workload.volume;
    const sets = v.inbound.map((s, i) => ({
      label: `${t("labelIn")}: ${s.label}`, data: s.data, borderColor: COLORS[i % COLORS.length],
      backgroundColor: COLORS[i % COLORS.length], tension: 0.2, pointRadius: 0,
    }));
    sets.push({ label: t("labelOut"), data: v.outbound, borderColor: "#111827", backgroundColor: "#111827", tension: 0.2, pointRadius: 0 });
    if (f.workload.previous_in.length) {
      sets.push({
        label: t("labelPreviousIn"), data: f.workload.previous_in, borderColor: MUTED, backgroundColor: MUTED,
        borderDash: [6, 4], tension: 0.2, pointRadius: 0,
      });
    }
    make("chart-volume", {
      type: "line", data: { labels: v.labels, datasets: sets },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } },
    });
    const trust = f.quality.trust;
    make("chart-trust", {
      type: "doughnut",
      data: {
        labels: [t("labelMore"), t("labelSame"), t("labelLess")],
        datasets: [{ data: [trust.more, trust.same, trust.less], backgroundColor: ["#15803d", MUTED, "#b91c1c"] }],
      },
    });
    const s = f.quality.sentiment;
    make("chart-sentiment", {
      type: "bar",
      data: {
        labels: s.labels,
        datasets: [
          { label: t("labelNegative"), data: s.negative, backgroundColor: "#b91c1c" },
          { label: t("labelNeutral"), data: s.neutral, backgroundColor: MUTED },
          { label: t("labelPositive"), data: s.positive, backgroundColor: "#15803d" },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    const topics = f.warning.topics;
    make("chart-topics", {
      type: "bar",
      data: {
        labels: topics.map((x) => x.topic),
        datasets: [
          { label: t("labelThis"), data: topics.map((x) => x.count), backgroundColor: COLORS[3] },
          { label: t("labelUsual"), data: topics.map((x) => x.usual), backgroundColor: MUTED },
        ],
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
    });
    root.querySelectorAll(".dim-tabs button").forEach((button) => {
      const on = button.dataset.dim ? button.dataset.dim === dimension : button.dataset.measure === measure;
      button.setAttribute("aria-pressed", String(on));
    });
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest(".dim-tabs button");
    if (!button) return;
    if (button.dataset.dim) dimension = button.dataset.dim;
    if (button.dataset.measure) measure = button.dataset.measure;
    draw(false);
  });

  async function refresh() {
    if (document.hidden) return;
    const url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    try {
      const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (!response.ok) return;
      const body = document.createElement("div");
      body.innerHTML = await response.text();
      const keep = { ...root.dataset };
      root.replaceChildren(...body.childNodes);
      Object.assign(root.dataset, keep);
      draw(false);
      root.dataset.refreshedAt = new Date().toISOString();
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  }

  draw(true);
  const seconds = Number(root.dataset.refreshSeconds) || 30;
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
