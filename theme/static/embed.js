// embed.js: a host page's helper for embedash iframes, served by embedash itself.
//
//   Embedash.mount(element, { url, refresh, onMessage })
//
// creates the iframe and keeps its height equal to the dashboard's (it never scrolls
// inside your page). When the link expires it calls refresh(), which should ask your
// backend for a new URL and return it (or a promise of it), and swaps it in, keeping what
// the viewer had selected (window, metric, group-by). Only messages from the embed's own
// origin and from its own iframe are trusted; everything else is ignored. A link that
// expires again within `minRefreshInterval` ms (default 30 s) of a refresh is not refreshed
// again, so a host whose new links are refused too is not asked in a loop.
(function (global) {
  function originOf(url) { return new URL(url, window.location.href).origin; }

  function withView(url, view) {
    var params = new URLSearchParams();
    Object.keys(view || {}).forEach(function (k) { if (view[k] != null && view[k] !== "") params.set(k, view[k]); });
    var bare = url.split("#")[0];
    return params.toString() ? bare + "#" + params.toString() : bare;
  }

  function mount(element, options) {
    var iframe = document.createElement("iframe");
    var origin = originOf(options.url);
    var view = null, refreshing = false, lastRefresh = -Infinity;
    var minInterval = options.minRefreshInterval == null ? 30000 : options.minRefreshInterval;
    iframe.src = options.url;
    iframe.title = options.title || "Billing dashboard";
    iframe.style.cssText = "width:100%;border:0;display:block;overflow:hidden;";
    // The page scrolls in a plain iframe too short for it; this one is always as tall as the
    // page, and a scrollbar showing while it catches up would narrow the page and change its height.
    iframe.setAttribute("scrolling", "no");
    iframe.height = options.initialHeight || 480;
    element.appendChild(iframe);

    function onMessage(event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var data = event.data || {};
      if (data.type === "embedash:resize" && typeof data.height === "number" && data.height >= 0) {
        iframe.style.height = data.height + "px";
      } else if (data.type === "embedash:state" && data.state && typeof data.state === "object") {
        view = data.state;
      } else if (data.type === "embedash:expired" && options.refresh && !refreshing && Date.now() - lastRefresh >= minInterval) {
        refreshing = true;
        lastRefresh = Date.now();
        Promise.resolve(options.refresh()).then(function (url) {
          if (!url) return;
          origin = originOf(url);
          iframe.src = withView(url, view);
        }).finally(function () { refreshing = false; });
      }
      if (options.onMessage) options.onMessage(data);
    }
    window.addEventListener("message", onMessage);
    return { iframe: iframe, unmount: function () { window.removeEventListener("message", onMessage); iframe.remove(); } };
  }
  global.Embedash = { mount: mount };
})(window);
