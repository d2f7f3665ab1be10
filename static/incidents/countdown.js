// Live SLA countdowns: every element with data-due (an ISO instant) shows the time left,
// or how long ago the deadline passed, and turns red once breached. When a deadline passes while
// the page is open, "SLA breached" is announced through the page's live region (portal.js).
(function () {
  function format(seconds) {
    var s = Math.abs(Math.round(seconds)), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60), r = s % 60;
    // The portal's duration words (opsportal/timefmt.py): "2 days 18 h", "1 h 05 min"; seconds only under an hour.
    if (d) return d + (d === 1 ? " day" : " days") + (h ? " " + h + " h" : "");
    if (h) return h + " h" + (m ? " " + (m < 10 ? "0" : "") + m + " min" : "");
    return m + " min " + (r < 10 ? "0" : "") + r + " s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = (Date.parse(el.dataset.due) - now) / 1000;
      if (left < 0 && el.dataset.counting === "1" && window.portalAnnounce) {
        window.portalAnnounce("SLA breached" + (el.dataset.label ? ": " + el.dataset.label : ""));
      }
      el.dataset.counting = left >= 0 ? "1" : "0";
      el.textContent = left >= 0 ? format(left) + " left" : "breached " + format(left) + " ago";
      el.classList.toggle("text-bg-danger", left < 0);
      el.classList.toggle("text-bg-warning", left >= 0 && left < 1800);
      el.classList.toggle("text-bg-light", left >= 1800);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
