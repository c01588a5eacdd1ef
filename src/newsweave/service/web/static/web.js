// newsweave web UI: bring a followed citation into view.
// A link /articles/ID?hl=S-E#c-S-E is highlighted by the server; a bare #c-S-E (typed or
// shared without the query) is turned into that link so the server marks exactly those characters.
(function () {
  "use strict";
  var SPAN = /^#c-(\d+)-(\d+)$/;

  function follow() {
    var m = SPAN.exec(window.location.hash);
    if (!m || !document.getElementById("article-text")) {
      return;
    }
    var target = document.getElementById("c-" + m[1] + "-" + m[2]);
    if (target) {
      target.scrollIntoView({block: "center"});
      target.focus({preventScroll: true});
      return;
    }
    var params = new URLSearchParams(window.location.search);
    var wanted = m[1] + "-" + m[2];
    if (params.get("hl") !== wanted) {
      params.set("hl", wanted);
      window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
    }
  }

  window.addEventListener("hashchange", follow);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
}());
