// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var exitUrl = document.body.getAttribute("data-quick-exit");

  function leave() {
    // replace() drops this page from the history, so Back does not return here.
    window.location.replace(exitUrl);
  }

  if (exitUrl) {
    var escapes = [];
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var now = Date.now();
      escapes = escapes.filter(function (t) { return now - t < 1500; });
      escapes.push(now);
      if (escapes.length >= 3) leave();
    });
    var link = document.querySelector("[data-quick-exit-link]");
    if (link) link.addEventListener("click", function (event) { event.preventDefault(); leave(); });
  }

  // A private booking link carries its token in the fragment (#t=...), which never reaches a
  // server or its logs; post it once to open the booking, and drop it from this history entry.
  var privateLink = document.querySelector("[data-private-link-form]");
  var fragment = /^#t=([A-Za-z0-9_-]{16,64})$/.exec(window.location.hash);
  if (privateLink && fragment) {
    if (window.history.replaceState) window.history.replaceState(null, "", window.location.pathname);
    privateLink.token.value = fragment[1];
    privateLink.submit();
  }

  var locate = document.querySelector("[data-locate]");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("submit", function (event) {
      if (locate.lat.value) return;
      event.preventDefault();
      var error = locate.querySelector("[data-locate-error]");
      navigator.geolocation.getCurrentPosition(function (position) {
        locate.lat.value = position.coords.latitude.toFixed(5);
        locate.lon.value = position.coords.longitude.toFixed(5);
        locate.submit();
      }, function () { error.hidden = false; }, { timeout: 15000, maximumAge: 600000 });
    });
  }
})();
