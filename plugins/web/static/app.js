// graftflow's flow browser: dialogs, toasts and live parts, on top of htmx.
// Everything works without this file (plain forms and pages); it only makes it in place.
(function () {
  "use strict";
  var dialog = function () { return document.getElementById("dialog"); };
  var source = null;

  function toast(text, isError) {
    var box = document.getElementById("toast");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast" + (isError ? " error" : "");
    item.textContent = text;  // text, never HTML
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, isError ? 9000 : 3500);
  }

  // Replace the parts a live update or a refresh sent, except one the user is editing.
  function applyParts(parts) {
    Object.keys(parts).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var active = document.activeElement;
      if (active && active !== document.body && el.contains(active) &&
          /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
        el.dataset.stale = "1";  // the user is typing here: keep their text
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = parts[id];
      var fresh = holder.firstElementChild;
      if (!fresh) return;
      el.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      if (window.mermaid && fresh.querySelector(".mermaid")) drawDiagrams(fresh);
    });
  }

  function liveUrl() { return document.body.dataset.live; }

  function refresh() {
    var url = liveUrl();
    if (!url) return;
    fetch(url.replace(/^\/events/, "/parts"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(applyParts)
      .catch(function () {});
  }

  function connect() {
    var url = liveUrl();
    if (!url || !window.EventSource) return;
    if (source) source.close();
    source = new EventSource(url);
    var mark = document.getElementById("live");
    source.onopen = function () { if (mark) mark.classList.add("on"); };
    source.onerror = function () { if (mark) mark.classList.remove("on"); };
    source.addEventListener("parts", function (e) { applyParts(JSON.parse(e.data)); });
    source.addEventListener("gone", function () {
      toast("This object no longer exists.", true);
      source.close();
    });
  }

  function drawDiagrams(root) {
    if (!window.mermaid) return;
    var nodes = (root || document).querySelectorAll("pre.mermaid:not([data-processed])");
    if (nodes.length) window.mermaid.run({ nodes: nodes }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.mermaid) {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
      drawDiagrams(document);
    }
    connect();
  });

  // A table page or filter changed the address: follow it with the live stream.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var path = location.pathname.replace(/^\/flow/, "/events");
    document.body.dataset.live = path + location.search;
    connect();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "dialog-body") {
      var d = dialog();
      if (d && !d.open) d.showModal();
      var first = d && d.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  document.addEventListener("gf-open-dialog", function () {
    var d = dialog();
    if (d && !d.open) d.showModal();
  });
  document.addEventListener("gf-close-dialog", function () {
    var d = dialog();
    if (d && d.open) d.close();
  });
  document.addEventListener("gf-toast", function (e) { toast(e.detail.text, e.detail.error); });
  document.addEventListener("gf-refresh", refresh);
  // Leaving a field whose part was left stale by a live update: show what is stored now
  // (a moment later, so a change the user made is written first).
  document.addEventListener("focusout", function (e) {
    var part = e.target.closest && e.target.closest("[data-stale]");
    if (!part) return;
    delete part.dataset.stale;
    setTimeout(refresh, 300);
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-close]")) { var d = dialog(); if (d) d.close(); }
  });
  // A failed request (a server error, the server gone) is said, not swallowed.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    toast((xhr.responseText || ("error " + xhr.status)).split("\n")[0], true);
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The graftflow server cannot be reached.", true);
  });
})();
