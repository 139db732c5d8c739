/* mentorsite: small progressive enhancements. Every page reads in full without this script;
   it adds search (Pagefind), sorting and filtering of tables, and a print button. No libraries. */
(() => {
  "use strict";

  /* ---- search: each audience folder's Pagefind bundles, loaded on first use. The main bundle (data-bundle)
     runs the search; pagefind-shards.json beside it names the audience's other bundles (the staff pupils' pages
     are split over shards so an edit re-indexes only a small part), merged in so one search covers them all.
     Pagefind answers a word no page starts with by a shorter word it starts with, bundle by bundle; so a sharded
     audience also has a word bundle (one page of words per bundle, word_pages says which), searched first to learn which
     bundles hold the query's words, and only those are searched: the results one index would give. ---- */
  function setUpSearch(box) {
    const form = box.querySelector("form");
    const input = box.querySelector("input[type=search]");
    const status = box.querySelector(".search-status");
    const list = box.querySelector(".search-results");
    const panel = box.querySelector(".search-panel");
    let loading = null;
    let latest = 0;
    let timer = 0;

    function load() {
      /* one promise for the page's lifetime: typing fast must not merge a bundle twice */
      if (location.protocol === "file:") return Promise.reject(new Error("file"));
      loading = loading || open();
      return loading;
    }

    async function open() {
      const main = new URL(box.dataset.bundle, location.href);
      const root = new URL(box.dataset.root, location.href).pathname.replace(/index\.html$/, "");
      const [bundle, listed] = await Promise.all([
        import(main.href),
        fetch(new URL("../pagefind-shards.json", main)).then((r) => {
          if (!r.ok) throw new Error(`search shards: ${r.status}`);
          return r.json();
        }),
      ]);
      /* every page path in every bundle is relative to the audience folder, so all share one baseUrl;
         mergeFilter tags each bundle's pages with its name, so a search can be kept to some bundles */
      await bundle.options({ baseUrl: root, mergeFilter: { bundle: "pagefind" } });
      const others = listed.words ? [...listed.bundles, listed.words] : listed.bundles;
      await Promise.all(others.map((name) => bundle.mergeIndex(new URL(`../${name}/`, main).pathname,
                                                               { baseUrl: root, mergeFilter: { bundle: name } })));
      if (!listed.words) return (query) => bundle.search(query);
      return async (query) => {
        const probe = await bundle.search(query, { filters: { bundle: listed.words } });
        const holding = probe.results.map((r) => listed.word_pages[r.id]).filter(Boolean);
        if (holding.length === 0) return { results: [] };
        return bundle.search(query, { filters: { bundle: { any: holding } } });
      };
    }

    function excerpt(html) {
      /* Pagefind marks the matched words with <mark>; keep only text and those marks. */
      const parsed = document.createElement("template");
      parsed.innerHTML = html;
      const out = document.createElement("p");
      out.className = "excerpt";
      for (const node of parsed.content.childNodes) {
        if (node.nodeName === "MARK") {
          const mark = document.createElement("mark");
          mark.textContent = node.textContent;
          out.append(mark);
        } else {
          out.append(node.textContent);
        }
      }
      return out;
    }

    function item(data) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = data.url;
      link.textContent = (data.meta && data.meta.title) || data.url;
      li.append(link);
      if (data.meta && data.meta.kind) {
        const kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = " · " + data.meta.kind;
        li.append(kind);
      }
      li.append(excerpt(data.excerpt || ""));
      return li;
    }

    async function run() {
      const query = input.value.trim();
      const mine = ++latest;
      panel.classList.toggle("open", query !== "");
      if (!query) {
        list.replaceChildren();
        status.textContent = "";
        return;
      }
      let search;
      try {
        search = await load();
      } catch (error) {
        status.textContent = location.protocol === "file:"
          ? "Search works when the site is served over HTTP (for example by mentorsite serve), not when it is opened as files."
          : "Search is not available: its index could not be loaded.";
        return;
      }
      const found = await search(query);
      if (mine !== latest) return;
      const shown = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
      if (mine !== latest) return;
      list.replaceChildren(...shown.map(item));
      const n = found.results.length;
      status.textContent = n === 0 ? `Nothing found for “${query}”.`
        : `${n} result${n === 1 ? "" : "s"} for “${query}”${n > 10 ? ", showing the first 10" : ""}.`;
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && input.value) {
        input.value = "";
        run();
      }
    });
    box.hidden = false;
  }

  /* ---- sorting: headers with data-sort become buttons; aria-sort says the order ---- */
  function sortValue(row, index, type) {
    const cell = row.cells[index];
    const raw = (cell.dataset.sortValue ?? cell.textContent).trim();
    if (raw === "" || raw === "—") return null;
    return type === "number" ? Number.parseFloat(raw) : raw;
  }

  function sortTable(table, index, type, ascending) {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).map((row, position) => ({ row, position, value: sortValue(row, index, type) }));
    const text = new Intl.Collator("en-GB", { numeric: true, sensitivity: "base" });
    rows.sort((a, b) => {
      if (a.value === null || b.value === null) {  /* blanks last, whichever the direction */
        return a.value === b.value ? a.position - b.position : a.value === null ? 1 : -1;
      }
      const order = type === "number" ? a.value - b.value : text.compare(a.value, b.value);
      return (ascending ? order : -order) || a.position - b.position;
    });
    body.append(...rows.map((r) => r.row));
  }

  function setUpSorting(table) {
    const heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach((th, index) => {
      const type = th.dataset.sort;
      if (!type) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.append(...th.childNodes);
      const arrow = document.createElement("span");
      arrow.className = "arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.append(arrow);
      th.append(button);
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        sortTable(table, index, type, ascending);
        for (const other of heads) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  }

  /* ---- filtering: selects in a form[data-filters-for] hide rows whose data-* differ ---- */
  function setUpFilters(form) {
    const table = document.getElementById(form.dataset.filtersFor);
    if (!table) return;
    const selects = Array.from(form.querySelectorAll("select[data-filter]"));
    const count = form.querySelector("[data-count-for]");
    const params = new URLSearchParams(location.search);
    for (const select of selects) {
      const wanted = params.get(select.dataset.filter);
      if (wanted && Array.from(select.options).some((o) => o.value === wanted)) select.value = wanted;
    }

    function apply() {
      const rows = Array.from(table.tBodies[0].rows);
      let shown = 0;
      for (const row of rows) {
        const visible = selects.every((s) => !s.value || row.dataset[s.dataset.filter] === s.value);
        row.hidden = !visible;
        if (visible) shown += 1;
      }
      if (count) count.textContent = shown === rows.length ? `Showing all ${rows.length} pupils.` : `Showing ${shown} of ${rows.length} pupils.`;
      const query = new URLSearchParams();
      for (const s of selects) if (s.value) query.set(s.dataset.filter, s.value);
      const search = query.toString();
      if (location.protocol !== "file:") history.replaceState(null, "", search ? `?${search}` : location.pathname);
    }

    form.addEventListener("change", apply);
    form.addEventListener("reset", () => setTimeout(apply));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    apply();
  }

  function start() {
    document.querySelectorAll(".site-search[data-bundle]").forEach(setUpSearch);
    document.querySelectorAll("table[data-sortable]").forEach(setUpSorting);
    document.querySelectorAll("form[data-filters-for]").forEach(setUpFilters);
    document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
