// TelemetryPipeline web: live fragments and sortable tables. No dependencies, no network beyond this origin.
(function () {
  "use strict";

  var sortState = {};

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    if (v !== null && v !== "" && !isNaN(Number(v))) { return Number(v); }
    return cell.textContent.trim().toLowerCase();
  }

  function sortTable(table, index, descending) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.querySelector(".empty"); });
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.removeAttribute("aria-sort");
      if (i === index) { th.setAttribute("aria-sort", descending ? "descending" : "ascending"); }
    });
  }

  function bindSortable(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table.sortable"), function (table) {
      if (!table.tHead || table.getAttribute("data-sort-bound")) { return; }
      table.setAttribute("data-sort-bound", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        if (th.classList.contains("nosort")) { return; }
        th.tabIndex = 0;
        th.classList.add("sort-handle");
        var activate = function () {
          var key = table.id || "";
          var previous = sortState[key];
          var descending = previous && previous.index === index ? !previous.descending : th.classList.contains("num");
          sortState[key] = { index: index, descending: descending };
          sortTable(table, index, descending);
        };
        th.addEventListener("click", activate);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(); } });
      });
      var state = sortState[table.id || ""];
      if (state) { sortTable(table, state.index, state.descending); }
    });
  }

  function keepOpenDetails(section) {
    var open = [];
    Array.prototype.forEach.call(section.querySelectorAll("details[open]"), function (d, i) { open.push(i); });
    return open;
  }

  function startLive(section, seconds) {
    var url = section.getAttribute("data-live");
    var status = document.createElement("p");
    status.className = "live-status";
    status.setAttribute("aria-live", "polite");
    section.parentNode.insertBefore(status, section);
    var busy = false;
    var refresh = function () {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json", "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.status === 401) { status.textContent = "Signed out: reload the page to sign in again."; return null; }
          if (!response.ok) { status.textContent = "Refresh failed (" + response.status + "); retrying."; return null; }
          return response.json();
        })
        .then(function (data) {
          if (!data) { return; }
          var open = keepOpenDetails(section);
          section.innerHTML = data.html;
          var details = section.querySelectorAll("details");
          open.forEach(function (i) { if (details[i]) { details[i].open = true; } });
          bindSortable(section);
          section.setAttribute("data-refreshed", data.generatedAt);
          status.textContent = "Live · refreshes every " + seconds + " s";
        })
        .catch(function () { status.textContent = "Refresh failed (network); retrying."; })
        .then(function () { busy = false; });
    };
    status.textContent = "Live · refreshes every " + seconds + " s";
    window.setInterval(refresh, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindSortable(document);
    var seconds = Number(document.body.getAttribute("data-refresh-seconds")) || 10;
    Array.prototype.forEach.call(document.querySelectorAll("[data-live]"), function (section) { startLive(section, seconds); });
  });
})();
