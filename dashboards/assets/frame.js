// Tells the host page about this embed: its height whenever it changes (growing or
// shrinking), `ready` once the page's first data is on screen, `expired` when the token
// stops working. Messages carry no customer data, so any parent may hear them.
(function () {
  if (window.parent === window) return;
  var lastHeight = -1, readySent = false, expiredSent = false, readyTimer = null;
  function post(message) { window.parent.postMessage(message, "*"); }
  // Dash's renderer draws `._dash-loading-callback` while any callback is requested, waiting
  // on another or running, the page's first ones included; each dcc.Graph is a `.dash-graph`
  // that holds no `.main-svg` until Plotly has loaded and drawn it, and whose plot carries
  // `dash-graph--pending` while Plotly draws a new figure.
  function drawn() {
    if (!document.querySelector(".eb-dashboard") || document.querySelector("._dash-loading-callback, [data-dash-is-loading]")) return false;
    var graphs = document.querySelectorAll(".eb-dashboard .dash-graph");
    for (var i = 0; i < graphs.length; i++) {
      if (!graphs[i].querySelector(".js-plotly-plot .main-svg") || graphs[i].querySelector(".dash-graph--pending")) return false;
    }
    return true;
  }
  // A graph queues the drawing of the figure a callback sent in a promise, so for a moment
  // after the answer nothing says it is pending: ready only if the page is still drawn once
  // those promises have run.
  function confirmReady() {
    readyTimer = null;
    if (!readySent && drawn()) { readySent = true; post({ type: "embedash:ready" }); }
  }
  function check() {
    var root = document.getElementById("react-entry-point") || document.body;
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height !== lastHeight) { lastHeight = height; post({ type: "embedash:resize", height: height }); }
    if (!expiredSent && document.querySelector(".eb-expired")) { expiredSent = true; post({ type: "embedash:expired" }); }
    if (!readySent && readyTimer === null && drawn()) readyTimer = setTimeout(confirmReady, 0);
  }
  function start() {
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true, attributes: true });
    if (window.ResizeObserver) new ResizeObserver(check).observe(document.body);
    window.addEventListener("resize", check);
    check();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
