// Model throughput leaderboard: draws one card per model from /api/models, filters
// by name, sorts, and refreshes itself every 5 minutes. Text is only ever set with
// textContent (names come from a public source), never parsed as HTML.
(() => {
  "use strict";

  const REFRESH_MS = 5 * 60 * 1000;
  const SVG = "http://www.w3.org/2000/svg";
  const SORTS = {
    tps: ["latest_tps", "desc"],
    ttft: ["latest_ttft", "asc"],
    name: ["name", "asc"],
    requests: ["latest_requests", "desc"],
    tps_7d_weighted: ["tps_7d_weighted", "desc"],
    tps_30d_weighted: ["tps_30d_weighted", "desc"],
    peak: ["peak_tps", "desc"],
  };

  const $ = (id) => document.getElementById(id);
  const grid = $("tps-grid");
  const search = $("tps-search");
  const sortSelect = $("tps-sort");
  const updated = $("tps-updated");
  const count = $("tps-count");
  const errorBox = $("tps-error");
  const cardTemplate = $("tps-card");
  if (!grid || !cardTemplate) return;

  let models = null;
  let scrapedAt = null;

  const fixed = (value, digits) =>
    value === null || value === undefined
      ? "—"
      : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const integer = (value) =>
    value === null || value === undefined ? "—" : Math.round(value).toLocaleString("en-US");

  function compare(key) {
    const [field, direction] = SORTS[key] || SORTS.tps;
    const sign = direction === "desc" ? -1 : 1;
    return (a, b) => {
      const x = a[field];
      const y = b[field];
      const xMissing = x === null || x === undefined;
      const yMissing = y === null || y === undefined;
      if (xMissing || yMissing) return xMissing === yMissing ? a.name.localeCompare(b.name) : xMissing ? 1 : -1;
      if (field === "name") return sign * x.localeCompare(y, "en", { sensitivity: "base" });
      return sign * (x - y) || a.name.localeCompare(b.name);
    };
  }

  function sparkline(svg, values) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const known = values.filter((v) => v !== null && v !== undefined);
    const label = document.createElementNS(SVG, "title");
    label.textContent = known.length
      ? `TPS per day, last ${values.length} days: ${fixed(Math.min(...known), 0)}–${fixed(Math.max(...known), 0)} tok/s`
      : "No TPS recorded in the last 30 days";
    svg.appendChild(label);
    svg.setAttribute("aria-label", label.textContent);
    if (!known.length) return;
    const top = Math.max(...known) * 1.1 || 1;
    const step = 120 / Math.max(1, values.length - 1);
    let path = "";
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      const x = (i * step).toFixed(1);
      const y = (27 - (v / top) * 25).toFixed(1);
      path += `${pen ? "L" : "M"}${x},${y} `;
      pen = true;
    });
    const line = document.createElementNS(SVG, "path");
    line.setAttribute("d", path.trim());
    line.setAttribute("class", "line");
    svg.appendChild(line);
  }

  function card(model, rank) {
    const node = cardTemplate.content.firstElementChild.cloneNode(true);
    node.dataset.chuteId = model.chute_id;
    node.querySelector(".tps-rank").textContent = `#${rank}`;
    const link = node.querySelector(".tps-name");
    link.textContent = model.name;
    link.href = `/models/${encodeURIComponent(model.chute_id)}`;
    node.querySelector(".tps-value").textContent = fixed(model.latest_tps, 1);
    if (model.latest_is_partial) node.querySelector(".tps-partial").hidden = false;
    const set = (key, text, title) => {
      const dd = node.querySelector(`[data-f="${key}"]`);
      dd.textContent = text;
      if (title) dd.title = title;
    };
    set("ttft", model.latest_ttft === null ? "—" : `${fixed(model.latest_ttft, 2)} s`);
    set("requests", integer(model.latest_requests), model.latest_date ? `on ${model.latest_date}` : "");
    set("d7", fixed(model.tps_7d_weighted, 1), `plain mean of the newest 7 days: ${fixed(model.avg_7d, 1)}`);
    set("d30", fixed(model.tps_30d_weighted, 1), `plain mean of the newest 30 days: ${fixed(model.avg_30d, 1)}`);
    set("peak", fixed(model.peak_tps, 1), model.peak_date ? `on ${model.peak_date}` : "");
    const bench = model.benchmark;
    if (bench && bench.mean_weighted_score !== null) {
      set("bench", `${fixed(bench.mean_weighted_score, 2)} / 10`, `${bench.scored_runs} scored runs`);
      node.classList.add("has-bench");
    } else {
      set("bench", "—", "No benchmark runs of this model");
    }
    sparkline(node.querySelector(".tps-spark"), model.trend_tps || []);
    return node;
  }

  function render() {
    if (models === null) return;
    const needle = search.value.trim().toLowerCase();
    const shown = models
      .filter((m) => !needle || m.name.toLowerCase().includes(needle) || m.chute_id.includes(needle))
      .sort(compare(sortSelect.value));
    const fragment = document.createDocumentFragment();
    shown.forEach((m, i) => fragment.appendChild(card(m, i + 1)));
    if (!models.length) {
      const empty = document.createElement("p");
      empty.className = "empty big";
      empty.textContent =
        "No statistics yet: the first scrape has not run. Run `zebench scrape`, or start the server with --scrape \"*/10 * * * *\".";
      fragment.appendChild(empty);
    } else if (!shown.length) {
      const none = document.createElement("p");
      none.className = "empty";
      none.textContent = `No model matches “${search.value.trim()}”.`;
      fragment.appendChild(none);
    }
    grid.replaceChildren(fragment);
    grid.setAttribute("aria-busy", "false");
    count.textContent = shown.length === models.length ? `${models.length} models` : `${shown.length} of ${models.length} models`;
    const params = new URLSearchParams(location.search);
    needle ? params.set("q", search.value.trim()) : params.delete("q");
    sortSelect.value !== "tps" ? params.set("sort", sortSelect.value) : params.delete("sort");
    const query = params.toString();
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  function showUpdated() {
    if (!scrapedAt) {
      updated.textContent = "Not scraped yet";
      return;
    }
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(scrapedAt)) / 60000));
    const hours = Math.round(minutes / 60);
    const ago =
      minutes < 1 ? "just now"
      : minutes < 120 ? `${minutes} min ago`
      : hours < 48 ? `${hours} h ago`
      : `${Math.round(hours / 24)} days ago`;
    updated.textContent = `Last updated ${ago}`;
    updated.title = scrapedAt;
  }

  async function load() {
    try {
      // no-cache: revalidate with the ETag (a 304 costs nothing) rather than reuse blindly.
      const response = await fetch("/api/models", { cache: "no-cache", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const data = await response.json();
      models = data.models;
      scrapedAt = data.scraped_at;
      errorBox.hidden = true;
      render();
      showUpdated();
    } catch (error) {
      errorBox.textContent = `Could not load the models (${error.message}). Showing the last data received.`;
      errorBox.hidden = false;
      if (models === null) {
        grid.setAttribute("aria-busy", "false");
        updated.textContent = "Not loaded";
      }
    }
  }

  $("tps-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    render();
  });
  search.addEventListener("input", render);
  sortSelect.addEventListener("change", render);
  $("tps-refresh").addEventListener("click", load);
  setInterval(load, REFRESH_MS);
  setInterval(showUpdated, 30 * 1000);
  load();
})();
