// Draws the charts described by data-figure attributes with the vendored Plotly bundle,
// in the reader's language: Dutch month names, "1.234,5" numbers and the reporting
// currency's symbol on a Dutch page.
(function () {
  var NL = {
    moduleType: "locale", name: "nl", dictionary: {},
    format: {
      days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
      shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
      months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt",
        "nov", "dec"],
      date: "%d-%m-%Y", decimal: ",", thousands: "."
    }
  };
  function draw() {
    if (!window.Plotly) return;
    var nl = (document.documentElement.lang || "en").indexOf("nl") === 0;
    if (nl) Plotly.register(NL);
    var sym = (document.body.dataset.currency || "€") + " ";
    var config = { displayModeBar: false, responsive: true, locale: nl ? "nl" : "en" };
    var separators = nl ? ",." : ".,";
    // money axes: the currency symbol and whole amounts with grouping, never "0.2M"
    var money = function (extra) {
      // automargin: a long amount (€ 12.345.678) widens the margin instead of being clipped
      return Object.assign({ tickprefix: sym, tickformat: ",.0f", hoverformat: ",.0f",
        automargin: true }, extra || {});
    };
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var f;
      try {
        f = JSON.parse(el.dataset.figure);
      } catch (error) {  // one broken figure must not leave every other chart blank
        console.error("chart " + (el.id || "") + ": " + error.message);
        return;
      }
      // a click on a bar or step opens the records behind it
      var follow = function () {
        if (!el.on) return;
        el.on("plotly_click", function (data) {
          var point = data.points && data.points[0];
          var url = f.urls ? f.urls[point.pointIndex] : f.url;
          if (url) window.location.href = url;
        });
        el.style.cursor = "pointer";
      };
      if (f.type === "funnel") {
        Plotly.newPlot(el, [{ type: "funnel", y: f.y, x: f.x, textinfo: "value+percent previous",
          marker: { color: "#0b5f8a" } }], { title: { text: f.title }, separators: separators,
          margin: { t: 40, r: 10, b: 20, l: 130 } }, config);
        follow();
        return;
      }
      if (f.type === "curve") {
        Plotly.newPlot(el, [
          { x: f.x, y: f.y, type: "scatter", mode: "lines", line: { color: "#0b5f8a" } },
          { x: f.here, y: [null], type: "scatter", mode: "markers" }],
          { title: { text: f.title }, margin: { t: 40, r: 10, b: 40, l: 50 }, showlegend: false,
            xaxis: { ticksuffix: "%" }, yaxis: { ticksuffix: "%" }, separators: separators,
            shapes: [{ type: "line", x0: f.here[0], x1: f.here[0], yref: "paper", y0: 0, y1: 1,
              line: { color: "#e0861a", dash: "dot" } }],
            annotations: [{ x: f.here[0], yref: "paper", y: 1, text: f.here_label,
              showarrow: false, font: { color: "#e0861a" } }] },
          config);
        return;
      }
      if (f.type === "waterfall") {
        Plotly.newPlot(el, [{ type: "waterfall", x: f.x, y: f.y, measure: f.measure,
          text: f.text, textposition: "outside", cliponaxis: false,
          connector: { line: { color: "#999" } }, increasing: { marker: { color: "#1b7f3b" } },
          decreasing: { marker: { color: "#b3261e" } }, totals: { marker: { color: "#0b5f8a" } } }],
          { title: { text: f.title }, margin: { t: 40, r: 10, b: 60, l: 70 },
            yaxis: money({ range: f.range }), separators: separators, showlegend: false },
          config);
        follow();
        return;
      }
      if (f.type === "forecast") {
        // the history, the combined forecast in its 80% band, each method dotted
        var band = [
          { x: f.x_ahead, y: f.hi, type: "scatter", mode: "lines", line: { width: 0 },
            hoverinfo: "skip", showlegend: false },
          { x: f.x_ahead, y: f.lo, type: "scatter", mode: "lines", line: { width: 0 },
            fill: "tonexty", fillcolor: "rgba(224,134,26,0.18)", name: f.band_name }];
        var lines = [
          { x: f.x, y: f.y, type: "scatter", mode: "lines+markers", name: f.history_name,
            line: { color: "#0b5f8a" } },
          { x: f.x_ahead, y: f.combined, type: "scatter", mode: "lines+markers",
            name: f.combined_name, line: { color: "#e0861a", width: 3 } }];
        var methods = (f.methods || []).map(function (m) {
          return { x: f.x_ahead, y: m.y, type: "scatter", mode: "lines", name: m.name,
            line: { dash: "dot", width: 1 }, visible: "legendonly" };
        });
        Plotly.newPlot(el, band.concat(lines, methods), { title: { text: f.title },
          margin: { t: 40, r: 10, b: 40, l: 70 }, separators: separators,
          yaxis: f.money ? money({ rangemode: "tozero" }) : { rangemode: "tozero" },
          legend: { orientation: "h" } }, config);
        return;
      }
      if (f.type === "reliability") {
        // predicted against won, per band of predicted probability, with the diagonal
        var pct = function (rows, i) { return rows.map(function (r) { return r[i] * 100; }); };
        Plotly.newPlot(el, [
          { x: [0, 100], y: [0, 100], type: "scatter", mode: "lines", name: f.ideal_name,
            line: { dash: "dot", color: "#999" } },
          { x: pct(f.baseline, 0), y: pct(f.baseline, 1), type: "scatter", mode: "lines+markers",
            name: f.baseline_name, line: { color: "#e0861a" } },
          { x: pct(f.model, 0), y: pct(f.model, 1), type: "scatter", mode: "lines+markers",
            name: f.model_name, line: { color: "#0b5f8a", width: 3 } }],
          { title: { text: f.title }, margin: { t: 40, r: 10, b: 40, l: 50 }, separators: separators,
            xaxis: { range: [0, 100], ticksuffix: "%" }, yaxis: { range: [0, 100], ticksuffix: "%" },
            legend: { orientation: "h" } }, config);
        return;
      }
      if (f.type === "breakeven") {
        // revenue and total costs against the volume; they cross at break-even
        var shapes = [], notes = [];
        if (f.here !== null && f.here !== undefined) {
          shapes.push({ type: "line", x0: f.here, x1: f.here, yref: "paper", y0: 0, y1: 1,
            line: { color: "#e0861a", dash: "dot" } });
          notes.push({ x: f.here, yref: "paper", y: 1, text: f.here_label, showarrow: false,
            font: { color: "#e0861a" } });
        }
        Plotly.newPlot(el, [
          { x: f.x, y: f.revenue, name: f.names[0], type: "scatter", mode: "lines",
            line: { color: "#1b7f3b" } },
          { x: f.x, y: f.costs, name: f.names[1], type: "scatter", mode: "lines",
            line: { color: "#b3261e" } },
          { x: f.x, y: f.fixed, name: f.names[2], type: "scatter", mode: "lines",
            line: { color: "#999", dash: "dash" } }],
          { title: { text: f.title }, margin: { t: 40, r: 10, b: 50, l: 70 },
            separators: separators, yaxis: money({ rangemode: "tozero" }),
            xaxis: { title: { text: f.x_title }, rangemode: "tozero" },
            shapes: shapes, annotations: notes, legend: { orientation: "h" } }, config);
        return;
      }
      if (f.type === "bars") {
        var colours = ["#0b5f8a", "#e0861a", "#1b7f3b"];
        Plotly.newPlot(el, f.series.map(function (s, i) {
          return { x: f.x, y: s.y, name: s.name, type: "bar", marker: { color: colours[i % 3] } };
        }), { title: { text: f.title }, barmode: "group", separators: separators,
          margin: { t: 40, r: 10, b: 60, l: 50 },
          xaxis: { title: { text: f.x_title || "" } }, yaxis: { title: { text: f.y_title || "" } } },
          config);
        return;
      }
      // hover says the month and the amount with its currency, never a bare "(35.946,2)"
      var traces = [{ x: f.x, y: f.y, type: "bar", marker: { color: "#0b5f8a" },
        hovertemplate: "%{x|%B %Y}<br>" + sym + "%{y:,.0f}<extra></extra>" }];
      var layout = { title: { text: f.title }, margin: { t: 40, r: 50, b: 40, l: 60 },
        xaxis: { automargin: true }, yaxis: money(), showlegend: false, separators: separators };
      if (f.y2) {
        traces.push({ x: f.x, y: f.y2, type: "scatter", mode: "lines+markers", yaxis: "y2",
          line: { color: "#e0861a" } });
        layout.yaxis2 = { overlaying: "y", side: "right", rangemode: "tozero", automargin: true };
      }
      Plotly.newPlot(el, traces, layout,
        config);
      follow();
    });
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();

// Record pickers: a chosen suggestion ends in "#<id>"; copy the id into the hidden input,
// or, picking several, add it to the chosen ones (each with a button that removes it).
function addChosen(box) {
  var options = box.list ? Array.prototype.slice.call(box.list.options) : [];
  var picked = options.some(function (o) { return o.value === box.value; });
  var match = /^(.*?)\s*#(\d+)$/.exec(box.value.trim());
  if (!picked || !match) return;
  var chosen = document.getElementById(box.dataset.lookupMany);
  var present = Array.prototype.some.call(chosen.querySelectorAll("input"), function (i) {
    return i.value === match[2];
  });
  if (!present) {
    var chip = document.createElement("span");
    chip.className = "chip";
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = box.dataset.name; hidden.value = match[2];
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "chip-remove"; remove.textContent = "\u00d7";
    remove.setAttribute("aria-label", box.dataset.remove + " " + match[1]);
    chip.appendChild(hidden);
    chip.appendChild(document.createTextNode(match[1] + " "));
    chip.appendChild(remove);
    chosen.appendChild(chip);
  }
  box.value = "";
}
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest(".chip-remove") : null;
  if (button) button.parentNode.remove();
});
document.addEventListener("input", function (event) {
  var box = event.target;
  if (box.dataset && box.dataset.lookupMany) { addChosen(box); return; }
  if (!box.dataset || !box.dataset.lookupFor) return;
  var hidden = document.getElementById(box.dataset.lookupFor);
  var match = /#(\d+)$/.exec(box.value.trim());
  hidden.value = match ? match[1] : (box.value.trim() === "" ? "" : hidden.value);
});

// Plan documents are YAML: edit them in CodeMirror (monospace, line numbers, no wrapping,
// spaces for Tab), keeping the form's textarea in step so saving and checking see it.
(function () {
  function editor() {
    var area = document.getElementById("id_document");
    if (!area || !window.CodeMirror || area.dataset.editor) return;
    area.dataset.editor = "codemirror";
    var cm = CodeMirror.fromTextArea(area, {
      mode: "yaml", lineNumbers: true, lineWrapping: false, indentUnit: 2, tabSize: 2,
      viewportMargin: Infinity,
      extraKeys: { Tab: function (c) { c.replaceSelection("  "); } }
    });
    cm.on("change", function () {
      cm.save();
      area.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var form = area.form;
    if (form) form.addEventListener("submit", function () { cm.save(); });
  }
  if (document.readyState === "complete") editor(); else window.addEventListener("load", editor);
})();

// An account's place on a small map: Leaflet, served by Koers, with the tile server the
// administrator configured (KOERS_MAP_TILES); without one there is no map at all.
(function () {
  function place() {
    document.querySelectorAll("[data-map]").forEach(function (el) {
      if (!window.L || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var m = JSON.parse(el.dataset.map);
      var map = L.map(el, { scrollWheelZoom: false }).setView([m.lat, m.lon], 13);
      L.tileLayer(m.tiles, { attribution: m.attribution, maxZoom: 18 }).addTo(map);
      L.Icon.Default.imagePath = el.dataset.images || "";
      L.marker([m.lat, m.lon]).addTo(map).bindPopup(m.label);
    });
  }
  if (document.readyState === "complete") place(); else window.addEventListener("load", place);
})();

// The agree grid: the total under the agreed column follows what is typed above it
// (Dutch or English notation, whole euros), so a manager sees the sum before agreeing.
(function () {
  function parse(text, lang) {
    var t = String(text).trim();
    t = lang.indexOf("nl") === 0 ? t.replace(/\./g, "").replace(",", ".") : t.replace(/,/g, "");
    var n = parseFloat(t);
    return isNaN(n) ? 0 : n;
  }
  function wire() {
    document.querySelectorAll("form.agree-grid").forEach(function (form) {
      var cell = form.querySelector("[data-sum-of]");
      if (!cell || form.dataset.wired) return;
      form.dataset.wired = "1";
      var lang = document.documentElement.lang || "en";
      var prefix = (cell.textContent.match(/^[^0-9\-–]*/) || [""])[0];
      var total = parseFloat(cell.dataset.total) || 0;
      form.addEventListener("input", function () {
        var sum = total;  // every number as it stands, changed by what was typed over it
        form.querySelectorAll(cell.dataset.sumOf).forEach(function (i) {
          var was = form.querySelector('[name="was_' + i.name.slice(7) + '"]');
          sum += parse(i.value, lang) - parse(was ? was.value : i.value, lang);
        });
        cell.textContent = prefix + new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(sum);
      });
    });
  }
  if (document.readyState === "complete") wire(); else window.addEventListener("load", wire);
})();
