// The story editor's live preview: as the editor types, the form (without
// its image file) is sent to the preview, and the story is shown as a
// subscriber and as a reader at the paywall will see it. Nothing is saved.
(function () {
  "use strict";
  var form = document.getElementById("story-form");
  var pane = document.getElementById("live-preview");
  if (!form || !pane) return;
  var timer = null, sent = 0;
  function refresh() {
    var data = new FormData(form);
    data.delete("image");
    var n = ++sent;
    fetch("/admin/articles/preview?part=previews", { method: "POST", body: data, credentials: "same-origin" })
      // 422: the draft cannot be shown yet, and the answer says why.
      .then(function (r) { return r.ok || r.status === 422 ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (n !== sent) return; // an older answer than one already shown
        pane.innerHTML = html;
        pane.setAttribute("data-state", "ready");
      })
      .catch(function () { if (n === sent) pane.setAttribute("data-state", "error"); });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  refresh();
})();
