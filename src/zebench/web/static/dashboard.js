// ze-benchmarks dashboard: draws charts from server-made JSON and keeps live pages current.
// Data never becomes markup here: figures arrive as JSON for plotly, and live
// updates swap in regions of the same server-rendered (escaped) page.
"use strict";

(function () {
  const POLL_MS = 1000;
  const RETRY_MS = 250;

  function themeColors() {
    const css = getComputedStyle(document.documentElement);
    return {
      text: css.getPropertyValue("--text").trim() || "#1b1f24",
      grid: css.getPropertyValue("--grid").trim() || "#d8dee4",
    };
  }

  function drawChart(el) {
    if (!window.Plotly) return;
    const source = document.getElementById(el.dataset.figure);
    if (!source) return;
    let figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (err) {
      el.textContent = "This chart could not be read.";
      return;
    }
    const colors = themeColors();
    const layout = Object.assign({}, figure.layout, {
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: Object.assign({ color: colors.text, family: "system-ui, sans-serif" }, (figure.layout || {}).font),
      autosize: true,
    });
    for (const axis of ["xaxis", "yaxis"]) {
      layout[axis] = Object.assign({ gridcolor: colors.grid, zerolinecolor: colors.grid }, layout[axis]);
    }
    window.Plotly.react(el, figure.data, layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["lasso2d", "select2d"],
    });
  }

  function drawCharts(root) {
    root.querySelectorAll(".chart[data-figure]").forEach(drawChart);
  }

  // --- live pages -------------------------------------------------------------

  let etag = null;
  let serverVersion = null;
  let busy = false;
  const status = () => document.getElementById("live-status");

  function setStatus(text) {
    const el = status();
    if (el) el.textContent = text;
  }

  async function pollVersion() {
    const headers = etag ? { "If-None-Match": etag } : {};
    const response = await fetch("/live/version", { headers, cache: "no-store" });
    if (response.status === 304) return serverVersion;
    if (!response.ok) throw new Error("version " + response.status);
    etag = response.headers.get("ETag");
    serverVersion = (await response.json()).version;
    return serverVersion;
  }

  function regionHoldsFocus(region) {
    const active = document.activeElement;
    return active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }

  async function refreshPage() {
    const response = await fetch(window.location.href, { cache: "no-store" });
    if (!response.ok) throw new Error("page " + response.status);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    document.querySelectorAll("[data-live-region][id]").forEach(function (region) {
      if (regionHoldsFocus(region)) return;
      const replacement = fresh.getElementById(region.id);
      if (!replacement) return;
      const adopted = document.adoptNode(replacement);
      region.replaceWith(adopted);
      drawCharts(adopted);
    });
    document.body.dataset.version = fresh.body.dataset.version || "";
    return document.body.dataset.version;
  }

  async function tick() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      let version = await pollVersion();
      // A page may come back one version behind while the server refreshes its
      // figures; ask again shortly rather than waiting for the next poll.
      for (let attempt = 0; attempt < 8 && version && version !== document.body.dataset.version; attempt++) {
        const shown = await refreshPage();
        if (shown === version) {
          setStatus("Live · updated " + new Date().toLocaleTimeString());
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        version = await pollVersion();
      }
      if (!status().textContent) setStatus("Live");
    } catch (err) {
      setStatus("Live updates paused (" + err.message + ")");
    } finally {
      busy = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    if (document.body.dataset.live) {
      setStatus("Live");
      window.setInterval(tick, POLL_MS);
      document.addEventListener("visibilitychange", tick);
    }
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
        drawCharts(document);
      });
    }
  });
})();
