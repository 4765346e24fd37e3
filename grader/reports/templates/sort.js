(function () {
  "use strict";
  var table = document.getElementById("submissions");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var headers = table.querySelectorAll("th[data-key]");
  function value(row, key) {
    var raw = row.getAttribute("data-" + key) || "";
    var number = parseFloat(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }
  function sort(header) {
    var key = header.getAttribute("data-key");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      var order = x < y ? -1 : x > y ? 1 : 0;
      if (order === 0) { order = value(a, "id") < value(b, "id") ? -1 : 1; }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(headers, function (header) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (header.firstChild) { button.appendChild(header.firstChild); }
    header.appendChild(button);
    button.addEventListener("click", function () { sort(header); });
  });
  table.classList.add("scripted");
})();
