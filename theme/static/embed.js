// embed.js: a host page's helper for embedash iframes, served by embedash itself.
//   Embedash.mount(element, { url, refresh })
// creates the iframe, keeps its height equal to the dashboard's, and when the link
// expires calls refresh() (which should ask the host's backend for a new URL and
// return it, or a promise of it) and swaps the new URL in. Only messages from the
// embed's own origin and its own iframe are trusted.
(function (global) {
  function mount(element, options) {
    var iframe = document.createElement("iframe");
    var origin = new URL(options.url, window.location.href).origin;
    iframe.src = options.url;
    iframe.title = options.title || "Billing dashboard";
    iframe.style.cssText = "width:100%;border:0;display:block;overflow:hidden;";
    iframe.setAttribute("scrolling", "no");
    iframe.height = options.initialHeight || 480;
    element.appendChild(iframe);
    var refreshing = false;

    function onMessage(event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var data = event.data || {};
      if (data.type === "embedash:resize" && typeof data.height === "number") {
        iframe.style.height = data.height + "px";
      } else if (data.type === "embedash:expired" && options.refresh && !refreshing) {
        refreshing = true;
        Promise.resolve(options.refresh()).then(function (url) {
          if (url) { origin = new URL(url, window.location.href).origin; iframe.src = url; }
        }).finally(function () { refreshing = false; });
      }
      if (options.onMessage) options.onMessage(data);
    }
    window.addEventListener("message", onMessage);
    return { iframe: iframe, unmount: function () { window.removeEventListener("message", onMessage); iframe.remove(); } };
  }
  global.Embedash = { mount: mount };
})(window);
