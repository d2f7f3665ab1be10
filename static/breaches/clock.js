// The breach card's 72-hour countdown: every element with data-breach-deadline (an ISO instant)
// shows the time left to notify the regulator, or how long it is overdue. Words, not only colour.
(function () {
  function span(seconds) {
    var m = Math.floor(Math.abs(seconds) / 60), h = Math.floor(m / 60);
    return h ? h + " h " + (m % 60) + " min" : (m % 60) + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-breach-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.breachDeadline) - now) / 1000;
      el.textContent = left >= 0 ? span(left) + " left" : "overdue by " + span(left);
      el.classList.toggle("text-bg-danger", left < 0);
      el.classList.toggle("text-bg-warning", left >= 0 && left < 6 * 3600);
      el.classList.toggle("text-bg-light", left >= 6 * 3600);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();
