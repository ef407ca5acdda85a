// dossier: small enhancements; every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // "/" focuses the search box unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("search-input") || document.getElementById("site-search");
    if (box) { e.preventDefault(); box.focus(); }
  });
  // Sortable tables: click a header with data-sort.
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var num = th.getAttribute("data-sort") === "num";
        function key(r) {
          var c = r.cells[col];
          var v = c.getAttribute("data-value");
          if (v === null) v = c.textContent.trim();
          return num ? (parseFloat(v) || 0) : v.toLowerCase();
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var r = num ? x - y : x.localeCompare(y);
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });
  // Filters for a table: selects with data-col filter rows by data-<col>.
  Array.prototype.forEach.call(document.querySelectorAll("form.filters"), function (form) {
    var table = document.getElementById(form.getAttribute("data-filter-for"));
    if (!table) return;
    form.hidden = false;
    var selects = form.querySelectorAll("select[data-col]");
    function apply() {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var show = true;
        Array.prototype.forEach.call(selects, function (s) {
          if (s.value && r.getAttribute("data-" + s.getAttribute("data-col")) !== s.value) show = false;
        });
        r.hidden = !show;
      });
    }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
  });
})();
