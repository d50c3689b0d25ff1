// Model throughput leaderboard: the server renders every card (the page works without
// JavaScript); this filters as one types, re-sorts on a change of the menu, and fetches
// the page again every 5 minutes to swap in fresh cards. Nothing is built from data
// here: the cards come from the server's escaped HTML, and text is set with textContent.
(() => {
  "use strict";

  const REFRESH_MS = 5 * 60 * 1000;
  const SORTS = {
    tps: ["tps", "desc"],
    ttft: ["ttft", "asc"],
    name: ["name", "asc"],
    requests: ["requests", "desc"],
    tps_7d_weighted: ["tps_7d_weighted", "desc"],
    tps_30d_weighted: ["tps_30d_weighted", "desc"],
    peak: ["peak", "desc"],
  };

  const $ = (id) => document.getElementById(id);
  const grid = $("tps-grid");
  const search = $("tps-search");
  const sortSelect = $("tps-sort");
  const count = $("tps-count");
  const errorBox = $("tps-error");
  if (!grid || !search || !sortSelect) return;

  const cards = () => Array.from(grid.querySelectorAll(".tps-card"));
  const value = (card, field) => {
    const raw = card.dataset[field]; // data-tps_7d_weighted keeps its underscores
    if (raw === undefined || raw === "") return null;
    return field === "name" ? raw : Number(raw);
  };

  function compare(key) {
    const [field, direction] = SORTS[key] || SORTS.tps;
    const sign = direction === "desc" ? -1 : 1;
    return (a, b) => {
      const x = value(a, field);
      const y = value(b, field);
      const byName = () => value(a, "name").localeCompare(value(b, "name"));
      if (x === null || y === null) return x === y ? byName() : x === null ? 1 : -1;
      if (field === "name") return sign * x.localeCompare(y);
      return sign * (x - y) || byName();
    };
  }

  function apply() {
    const needle = search.value.trim().toLowerCase();
    const all = cards().sort(compare(sortSelect.value));
    let shown = 0;
    all.forEach((card) => {
      const match = !needle || value(card, "name").includes(needle) || card.dataset.chuteId.toLowerCase().includes(needle);
      card.hidden = !match;
      if (match) card.querySelector(".tps-rank").textContent = `#${++shown}`;
      grid.appendChild(card);
    });
    let none = grid.querySelector(".tps-none");
    if (all.length && !shown) {
      if (!none) {
        none = document.createElement("p");
        none.className = "empty tps-none";
        grid.appendChild(none);
      }
      none.textContent = `No model matches “${search.value.trim()}”.`;
    } else if (none) {
      none.remove();
    }
    if (count && all.length) count.textContent = shown === all.length ? `${all.length} models` : `${shown} of ${all.length} models`;
    const params = new URLSearchParams(location.search);
    needle ? params.set("q", search.value.trim()) : params.delete("q");
    sortSelect.value !== "tps" ? params.set("sort", sortSelect.value) : params.delete("sort");
    const query = params.toString();
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  async function refresh() {
    try {
      // Every card, unfiltered: the filter is applied here, so typing stays instant.
      const response = await fetch(`/models?sort=${encodeURIComponent(sortSelect.value)}`, { cache: "no-cache" });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const freshGrid = fresh.getElementById("tps-grid");
      if (!freshGrid) throw new Error("the page had no cards");
      grid.replaceChildren(...Array.from(freshGrid.childNodes).map((n) => document.importNode(n, true)));
      const updated = fresh.getElementById("tps-updated");
      if (updated) $("tps-updated").replaceChildren(...Array.from(updated.childNodes).map((n) => document.importNode(n, true)));
      errorBox.hidden = true;
      apply();
    } catch (error) {
      errorBox.textContent = `Could not refresh the models (${error.message}). Showing the last figures received.`;
      errorBox.hidden = false;
    }
  }

  $("tps-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  search.addEventListener("input", apply);
  sortSelect.addEventListener("change", apply);
  setInterval(refresh, REFRESH_MS);
  // The server filtered by ?q=; bring every card back so that editing the search works.
  if (search.value.trim()) refresh();
})();
