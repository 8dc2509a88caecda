// While a document's text is being read, fetch the page again every few seconds and replace
// the documents' section, so that the progress shows without losing what is typed elsewhere.
(function () {
  var id = (document.currentScript && document.currentScript.dataset.section) || "case-documents";
  function pending() {
    var el = document.getElementById(id);
    return el && el.querySelector('[data-pending="1"]');
  }
  function poll() {
    if (!pending()) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var here = document.getElementById(id);
        if (fresh && here) { here.innerHTML = fresh.innerHTML; }
        window.setTimeout(poll, 4000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 4000);
})();
