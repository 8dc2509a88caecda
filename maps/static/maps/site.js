/* The header's menu button (phones): opens and closes the navigation under the brand. */
(function () {
  "use strict";
  var button = document.getElementById("menu-toggle");
  var bar = document.getElementById("topbar");
  if (!button || !bar) return;
  button.addEventListener("click", function () {
    var open = !bar.classList.contains("open");
    bar.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
