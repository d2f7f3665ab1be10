// Django admin, WCAG 2.2 AA: the fields of a tabular inline have no <label>, only their column's
// header. Name each one after its column and row ("Text, row 2"), also in rows added later.
(function () {
  function name(root) {
    var fields = root.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea");
    Array.prototype.forEach.call(fields, function (field) {
      if (field.type === "hidden" || field.hasAttribute("aria-label") || (field.labels && field.labels.length)) { return; }
      var cell = field.closest("td");
      var table = cell.closest("table");
      var column = Array.prototype.find.call(cell.classList, function (c) { return c.indexOf("field-") === 0; });
      var header = column ? table.querySelector("thead th.column-" + column.slice(6))
                          : (cell.classList.contains("delete") ? table.querySelector("thead tr th:last-child") : null);
      var label = header ? header.textContent.trim() : field.name;
      var row = /-(\d+)-/.exec(field.name || "");
      field.setAttribute("aria-label", (label || field.name) + (row ? ", row " + (parseInt(row[1], 10) + 1) : ""));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { name(document); });
  document.addEventListener("formset:added", function (event) { name(event.target || document); });
})();
