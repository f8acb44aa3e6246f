// Draws the charts described by data-figure attributes with the vendored Plotly bundle.
(function () {
  function draw() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var f = JSON.parse(el.dataset.figure);
      Plotly.newPlot(el, [{ x: f.x, y: f.y, type: "bar", marker: { color: "#0b5f8a" } }],
        { title: { text: f.title }, margin: { t: 40, r: 10, b: 40, l: 60 }, yaxis: { tickprefix: "€ " } },
        { displayModeBar: false, responsive: true });
    });
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();

// Record pickers: a chosen suggestion ends in "#<id>"; copy the id into the hidden input.
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.dataset || !box.dataset.lookupFor) return;
  var hidden = document.getElementById(box.dataset.lookupFor);
  var match = /#(\d+)$/.exec(box.value.trim());
  hidden.value = match ? match[1] : (box.value.trim() === "" ? "" : hidden.value);
});
