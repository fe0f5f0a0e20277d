// Counter page: scan a QR code with the device camera where the browser allows it, filling
// the field it belongs to; typing the code always works without this.
(function () {
  "use strict";
  var canScan = window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
    window.isSecureContext;
  document.querySelectorAll("[data-scan-for]").forEach(function (box) {
    if (!canScan) { return; }
    box.hidden = false;
    var input = document.getElementById(box.getAttribute("data-scan-for"));
    var video = box.querySelector("video");
    var status = box.querySelector("[data-scan-status]");
    var button = box.querySelector("[data-scan-start]");
    var canvas = document.createElement("canvas");
    var stream = null;
    function stop() {
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null; video.hidden = true;
    }
    function tick() {
      if (!stream) { return; }
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        var ctx = canvas.getContext("2d");
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height);
        if (code && code.data) {
          input.value = code.data; stop();
          status.textContent = box.getAttribute("data-done") || "";
          input.dispatchEvent(new Event("change", { bubbles: true }));
          if (input.form && input.hasAttribute("data-submit-on-scan")) { input.form.requestSubmit(); }
          input.focus();
          return;
        }
      }
      window.requestAnimationFrame(tick);
    }
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (s) {
          stream = s; video.srcObject = s; video.hidden = false; video.play();
          window.requestAnimationFrame(tick);
        })
        .catch(function () { status.textContent = box.getAttribute("data-denied") || ""; });
    });
  });
})();
