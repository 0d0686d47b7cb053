// Tells the host page about this embed: its height whenever it changes (growing or
// shrinking), `ready` once the dashboard and all its charts are drawn, `expired` when the
// token stops working. Messages carry no customer data, so any parent may hear them.
(function () {
  if (window.parent === window) return;
  var lastHeight = -1, readySent = false, expiredSent = false;
  function post(message) { window.parent.postMessage(message, "*"); }
  function drawn() {
    var page = document.querySelector(".eb-dashboard");
    if (!page) return false;
    var plots = page.querySelectorAll(".js-plotly-plot");
    for (var i = 0; i < plots.length; i++) if (!plots[i].querySelector(".main-svg")) return false;
    return !document.querySelector("[data-dash-is-loading]");
  }
  function check() {
    var root = document.getElementById("react-entry-point") || document.body;
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height !== lastHeight) { lastHeight = height; post({ type: "embedash:resize", height: height }); }
    if (!expiredSent && document.querySelector(".eb-expired")) { expiredSent = true; post({ type: "embedash:expired" }); }
    if (!readySent && drawn()) { readySent = true; post({ type: "embedash:ready" }); }
  }
  function start() {
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true, attributes: true });
    if (window.ResizeObserver) new ResizeObserver(check).observe(document.body);
    window.addEventListener("resize", check);
    check();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
