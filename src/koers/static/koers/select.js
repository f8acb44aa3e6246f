// Long lists are searchable: a select with more than 15 options gets a search field
// that narrows its options as one types (name, unit, anything in the option's text).
(function () {
  function searchable(root) {
    (root || document).querySelectorAll("select:not([multiple]):not([data-searchable])").forEach(function (select) {
      if (select.options.length <= 15) return;
      select.dataset.searchable = "1";
      var box = document.createElement("input");
      box.type = "search";
      box.className = "select-search";
      box.placeholder = document.documentElement.lang.indexOf("nl") === 0 ? "Zoeken…" : "Search…";
      box.setAttribute("aria-label", box.placeholder);
      box.setAttribute("data-testid", "select-search");
      select.parentNode.insertBefore(box, select);
      box.addEventListener("input", function () {
        var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
        var first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          var text = option.text.toLowerCase();
          var show = !option.value || words.every(function (w) { return text.indexOf(w) >= 0; });
          option.hidden = !show;
          if (show && option.value && first === null) first = option;
        });
        if (first && words.length) { select.value = first.value; select.dispatchEvent(new Event("change", { bubbles: true })); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { searchable(document); });
  document.addEventListener("htmx:afterSwap", function (event) { searchable(event.target); });
})();
