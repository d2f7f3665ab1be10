// Tell the server the browser's time zone, so pages show times where the user is.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* an old browser keeps the portal's zone */ }
})();

// The Content-Security-Policy allows no inline script, handler or style attribute, so page
// behaviour hangs on data- attributes here:
//   data-percent="40"  a progress bar's width (set through the CSSOM, which the policy allows),
//                      also on content htmx swaps in;
//   data-autosubmit    a select that submits its form when changed;
//   data-print         a button that prints the page.
(function () {
  function setWidths(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-percent]") : []);
    if (root.matches && root.matches("[data-percent]")) { bars.push(root); }
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
      bar.style.width = percent + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setWidths(document); });
  document.addEventListener("htmx:load", function (event) { setWidths(event.target); });
  document.addEventListener("htmx:afterSettle", function () { setWidths(document); });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
  });
})();

// Live fragments (opsportal/live.py): an element with data-live polls its hx-get URL and sends
// its data-etag as If-None-Match. A 304 (nothing changed) keeps the content; so does any error,
// and so does a poll while the user is typing or has a form open inside the element (the next
// poll tries again). After a swap the element remembers the answer's ETag.
(function () {
  function liveElement(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.hasAttribute && elt.hasAttribute("data-live") ? elt : null;
  }
  function busy(elt) {
    var active = document.activeElement;
    if (active && active !== document.body && elt.contains(active) && active.matches("textarea, input, select")) {
      return true;
    }
    return elt.querySelector("details[open]") !== null;
  }
  // A poll redirected elsewhere (the login page once the session has ended) must not blank the page.
  function redirected(event) {
    try {
      var asked = new URL(event.detail.requestConfig.path, window.location.href).pathname;
      return new URL(event.detail.xhr.responseURL).pathname !== asked;
    } catch (e) { return false; }
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = liveElement(event);
    if (elt && elt.getAttribute("data-etag")) {
      event.detail.headers["If-None-Match"] = elt.getAttribute("data-etag");
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = liveElement(event);
    if (!elt || event.detail.target !== elt) { return; }
    var status = event.detail.xhr.status;
    if (status === 304 || status !== 200 || redirected(event) || busy(elt)) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      return;
    }
    elt.setAttribute("data-etag", event.detail.xhr.getResponseHeader("ETag") || "");
  });
})();

// Accessibility: window.portalAnnounce(text) speaks through the polite live region of base.html
// (#live-announcer). After htmx swaps a checklist item (data-item-id), focus returns to that
// item's control (not <body>) and the tick is announced: "Item <text> ticked".
(function () {
  var pending = null;
  window.portalAnnounce = function (text) {
    var region = document.getElementById("live-announcer");
    if (!region) { return; }
    region.textContent = "";
    if (pending) { clearTimeout(pending); }
    // A short pause makes screen readers speak the same text twice in a row, too.
    pending = setTimeout(function () { region.textContent = text; pending = null; }, 50);
  };
  var before = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-item-id")) {
      var active = document.activeElement;
      before[target.id] = {
        done: target.getAttribute("data-done"),
        focused: !!(active && active !== document.body && target.contains(active))
      };
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id || !(target.id in before)) { return; }
    var was = before[target.id];
    delete before[target.id];
    var item = document.getElementById(target.id);
    if (!item) { return; }
    var control = item.querySelector("[data-testid=untick], [data-testid=tick], textarea, button, summary");
    if (was.focused || document.activeElement === document.body || document.activeElement === null) {
      (control || item).focus();
    }
    var label = item.getAttribute("data-label") || "";
    var done = item.getAttribute("data-done");
    var error = item.querySelector("[data-testid=item-error]");
    if (error) {
      window.portalAnnounce(error.textContent.trim());
    } else if (done !== was.done) {
      window.portalAnnounce("Item " + label + (done === "1" ? " ticked" : " unticked"));
    } else {
      window.portalAnnounce("Item " + label + " saved");
    }
  });
})();

// A table that scrolls sideways (.table-responsive, .scroll-box) gets a tab stop and a name, so a
// keyboard user can scroll it too; one that fits loses them again (on load, swaps and resizes).
(function () {
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    var section = box.closest("section, .card, article");
    var heading = section && section.querySelector("h1, h2, h3, h4, h5, .card-header");
    return heading ? heading.textContent.trim() : "Table";
  }
  function mark() {
    document.querySelectorAll(".table-responsive, .scroll-box").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box) + " (scrolls)");
        box.setAttribute("data-scroll-region", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }
  var timer = null;
  function later() { if (timer) { clearTimeout(timer); } timer = setTimeout(mark, 100); }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("load", mark);
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
// An element marked data-swap-errors shows the server's answer to a refused form too: a 400
// (the form again, errors next to the fields) or a 409 (the record as someone else left it,
// with the reason), instead of htmx's default of ignoring error answers.
(function () {
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var status = event.detail.xhr.status;
    if (target && target.hasAttribute && target.hasAttribute("data-swap-errors") && (status === 400 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
