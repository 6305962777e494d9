// The upload page works without JavaScript (two file inputs and a normal form POST). This adds:
// hiding the file block for card_carried, big camera/file buttons, a preview of the chosen photo
// (or the PDF's name and size), and upload progress over XHR, falling back to the normal POST
// when the connection drops, and resending by itself when the site answers busy (503 with
// Retry-After). Messages come translated from data-msg-* attributes.
(function () {
  "use strict";

  // Automatic resends after a busy answer before the busy page is shown (about 6 x Retry-After,
  // two minutes at the default), each a few random seconds later than asked, so that phones
  // turned away together do not all come back in the same second.
  var MAX_BUSY_RETRIES = 6;

  function formatSize(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function init() {
    var block = document.getElementById("file-block");
    var form = document.getElementById("upload-form");
    if (!block || !form) { return; }
    block.classList.add("js-pick");
    var inputs = Array.prototype.slice.call(block.querySelectorAll("input[type=file]"));
    var preview = document.getElementById("file-preview");

    function updateKind() {
      var chosen = document.querySelector("input[name=kind]:checked");
      var card = !!chosen && chosen.value === "card_carried";
      block.classList.toggle("is-hidden", card);
      // A card declaration carries no file: drop one chosen earlier so it is not sent (400).
      if (card) { inputs.forEach(function (input) { input.value = ""; }); showPreview(null); }
    }

    function showPreview(file) {
      preview.textContent = "";
      if (!file) { return; }
      var caption = document.createElement("p");
      caption.className = "mb-1 fw-bold";
      caption.setAttribute("data-testid", "file-chosen");
      caption.textContent = file.name + " (" + formatSize(file.size) + ")";
      preview.appendChild(caption);
      if (file.size > 10 * 1048576) {
        var warn = document.createElement("p");
        warn.className = "text-danger small mb-1";
        warn.textContent = block.dataset.msgTooLarge;
        preview.appendChild(warn);
      }
      if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) {
        // A data: URL (our CSP allows data: images, not blob:); HEIC cannot be shown: name only.
        var reader = new FileReader();
        reader.onload = function () {
          var img = document.createElement("img");
          img.className = "img-fluid border file-preview-image";
          img.alt = block.dataset.msgPhoto;
          img.src = reader.result;
          preview.appendChild(img);
        };
        reader.readAsDataURL(file);
      }
    }

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        // One file per upload: choosing with one button clears the other.
        inputs.forEach(function (other) { if (other !== input) { other.value = ""; } });
        showPreview(input.files && input.files[0]);
      });
    });
    document.querySelectorAll("input[name=kind]").forEach(function (el) {
      el.addEventListener("change", updateKind);
    });
    updateKind();

    form.addEventListener("submit", function (event) {
      var hasFile = inputs.some(function (input) { return input.files && input.files.length; });
      if (!hasFile || !window.FormData || !window.XMLHttpRequest) { return; }  // normal POST
      event.preventDefault();
      sendWithProgress(form, block);
    });
  }

  function sendWithProgress(form, block) {
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-progress-bar");
    var status = document.getElementById("upload-progress-status");
    var submit = document.getElementById("upload-submit");
    var data = new FormData(form);
    // FormData keeps the empty second file input as an empty part; drop it (one file only).
    var files = data.getAll("file").filter(function (f) { return f && f.size; });
    data.delete("file");
    files.forEach(function (f) { data.append("file", f, f.name); });
    box.hidden = false;
    submit.disabled = true;
    var fellBack = false;
    var busyTries = 0;
    function fallback() {
      if (fellBack) { return; }
      fellBack = true;
      status.textContent = block.dataset.msgFailed;
      HTMLFormElement.prototype.submit.call(form);  // bypasses this handler: a plain POST
    }
    function showResponse(xhr) {
      // A refusal (4xx) re-renders the form with the reason, a busy answer its page: in place.
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = doc.getElementById("main");
      if (!main) { fallback(); return; }
      document.getElementById("main").innerHTML = main.innerHTML;
      init();
      var error = document.querySelector("[data-testid=upload-error]") || document.querySelector("h1");
      if (error) { error.setAttribute("tabindex", "-1"); error.focus(); }
    }
    function retryLater(seconds) {
      // The site is busy (503 with Retry-After, nothing kept): say so once (the status is a live
      // region: a per-second countdown would be read out every second) and send the same file
      // again then, a few times before showing the busy page itself.
      busyTries += 1;
      bar.value = 0;
      status.textContent = block.dataset.msgBusy.replace("{seconds}", String(seconds));
      window.setTimeout(send, seconds * 1000);
    }
    function send() {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        status.textContent = block.dataset.msgSending + " " + percent + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 503 && xhr.getResponseHeader("X-Intake-Busy")) {
          var wait = parseInt(xhr.getResponseHeader("Retry-After"), 10);
          wait = (wait > 0 && wait < 600 ? wait : 30) + Math.floor(Math.random() * 10);
          if (busyTries < MAX_BUSY_RETRIES) { retryLater(wait); return; }
          showResponse(xhr);
          return;
        }
        if (xhr.status >= 500 || xhr.status === 0) { fallback(); return; }
        if (xhr.responseURL && xhr.responseURL.indexOf("/receipt/") !== -1) {
          status.textContent = block.dataset.msgSent;
          window.location.assign(xhr.responseURL);
          return;
        }
        showResponse(xhr);
      });
      xhr.addEventListener("error", fallback);
      xhr.addEventListener("timeout", fallback);
      xhr.send(data);
    }
    send();
  }

  init();
})();
