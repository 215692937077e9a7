// Suggestions under a search box: titles from /api/v1/search/suggest, only what the reader may see.
// Any <input data-suggest="URL"> gets them; without JavaScript the box is a plain search form.
(function () {
  "use strict";
  function attach(input) {
    var url = input.getAttribute("data-suggest");
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.parentNode.insertBefore(list, input.nextSibling);
    var timer = null, last = "", active = -1;

    function close() { list.hidden = true; list.innerHTML = ""; active = -1; }
    function show(items) {
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }
    function fetchFor(text) {
      if (text.length < 2) { close(); return; }
      var req = new XMLHttpRequest();
      req.open("GET", url + "?q=" + encodeURIComponent(text));
      req.setRequestHeader("Accept", "application/json");
      req.onload = function () {
        if (req.status === 200 && input.value.trim() === text) {
          try { show(JSON.parse(req.responseText).suggestions || []); } catch (e) { close(); }
        }
      };
      req.send();
    }
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text === last) { return; }
      last = text;
      clearTimeout(timer);
      timer = setTimeout(function () { fetchFor(text); }, 150);
    });
    input.addEventListener("keydown", function (ev) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) { return; }
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        active = (active + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
        input.setAttribute("aria-activedescendant", items[active].id);
      } else if (ev.key === "Enter" && active >= 0) {
        ev.preventDefault();
        window.location = items[active].querySelector("a").href;
      } else if (ev.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
