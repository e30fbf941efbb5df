// Live countdowns for the clocks on the desk and on an incident's page. Each clock carries its deadline and
// the server's "now" at render; the countdown runs from there, so it agrees with the server's clock.
(function () {
  "use strict";
  var AMBER_MS = 60 * 60 * 1000; // within an hour of the deadline

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h > 0 ? h + "小时" : "") + pad(m) + "分" + pad(sec) + "秒";
  }

  function update() {
    var clocks = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      if (!el.dataset.loadedAt) { el.dataset.loadedAt = String(Date.now()); }
      var serverNow = Date.parse(el.dataset.now) + (Date.now() - Number(el.dataset.loadedAt));
      var left = Date.parse(el.dataset.deadline) - serverNow;
      var label = el.dataset.label || "";
      el.textContent = label + "：" + (left > 0 ? "剩余 " + span(left) : "已超时 " + span(left));
      el.classList.toggle("amber", left > 0 && left <= AMBER_MS);
      el.classList.toggle("red", left <= 0);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    update();
    window.setInterval(update, 1000);
    document.body.addEventListener("htmx:afterSwap", update);
  });
})();
