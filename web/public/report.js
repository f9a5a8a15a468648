/* Progressive enhancement for the public report pages of Baove (src/api/public_pages.cpp).
 *
 * The pages work without this script. When it runs, it:
 * - sends the report form with XMLHttpRequest (the same multipart POST /report), showing a
 *   <progress> bar and the percentage, and then replaces the document with the server's answer,
 *   so that the receipt (or the form with its errors) is the same page as without JavaScript;
 *   on a network failure it keeps the form and says to try again;
 * - checks the number and size of the chosen files before sending (the server checks again);
 * - shows how many characters are left in the description;
 * - shows the contact boxes only when the person asks to be contacted;
 * - focuses the error summary or the receipt heading, and the field an error link points to;
 * - adds copy buttons to the receipt codes where the browser allows it.
 * Every text it shows comes from data-* attributes written by the server in the page's language.
 * Plain ES5 (no build step), so it also runs on old Android browsers. */
(function () {
  'use strict';

  function byId(id) {
    return document.getElementById(id);
  }

  function fill(template, n) {
    return String(template || '').replace('{n}', String(n));
  }

  function show(el, visible) {
    if (!el) return;
    if (visible) el.removeAttribute('hidden');
    else el.setAttribute('hidden', '');
  }

  // Unicode code points, as the server counts them (a pair of UTF-16 surrogates is one).
  function charCount(s) {
    return s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;
  }

  function closestLink(el, stop) {
    while (el && el !== stop) {
      if (el.tagName === 'A') return el;
      el = el.parentNode;
    }
    return null;
  }

  function focusOnLoad() {
    var main = byId('main');
    var id = main && main.getAttribute('data-focus');
    var el = id ? byId(id) : null;
    if (el && el.focus) el.focus();
  }

  // A link in the error summary moves focus to its field (a fragment alone only scrolls).
  function setupErrorSummary() {
    var summary = byId('error-summary');
    if (!summary) return;
    summary.addEventListener('click', function (ev) {
      var a = closestLink(ev.target, summary);
      var href = a ? a.getAttribute('href') : '';
      if (!href || href.charAt(0) !== '#') return;
      var target = byId(href.slice(1));
      if (!target || !target.focus) return;
      ev.preventDefault();
      var label = document.querySelector('label[for="' + target.id + '"]');
      var fieldset = target.type === 'radio' ? findFieldset(target) : null;
      var shown = fieldset || label || target;
      if (shown.scrollIntoView) shown.scrollIntoView();
      target.focus();
    });
  }

  function findFieldset(el) {
    while (el && el.tagName !== 'FORM') {
      if (el.tagName === 'FIELDSET') return el;
      el = el.parentNode;
    }
    return null;
  }

  function setupCopy() {
    var clip = window.navigator && window.navigator.clipboard;
    if (!clip || !clip.writeText) return;
    var live = byId('copy-status');
    var buttons = document.querySelectorAll('button[data-copy]');
    for (var i = 0; i < buttons.length; i++) {
      (function (button) {
        var target = byId(button.getAttribute('data-copy'));
        if (!target) return;
        var label = button.textContent;
        show(button, true);
        button.addEventListener('click', function () {
          clip.writeText(target.textContent).then(function () {
            var done = button.getAttribute('data-done') || '';
            button.textContent = done;
            if (live) live.textContent = done;
            setTimeout(function () {
              button.textContent = label;
            }, 2500);
          }, function () {});
        });
      })(buttons[i]);
    }
  }

  function setupForm(form) {
    if (form.getAttribute('data-enhanced') === '1') return;
    form.setAttribute('data-enhanced', '1');

    var maxFiles = parseInt(form.getAttribute('data-max-files'), 10) || 10;
    var maxBytes = parseFloat(form.getAttribute('data-max-file-bytes')) || 2147483648;
    var message = byId('client-message');
    var filesInput = byId('files');
    var chosen = byId('files-chosen');
    var button = byId('submit-report');
    var progressBox = byId('upload-progress');
    var bar = byId('upload-bar');
    var statusText = byId('upload-status');
    var sending = false;

    function say(text) {
      if (message) message.textContent = text || '';
    }

    // '' when the chosen files are within the limits, else what is wrong.
    function fileProblem() {
      var files = filesInput && filesInput.files;
      if (!files) return '';
      if (files.length > maxFiles) return form.getAttribute('data-msg-too-many-files');
      for (var i = 0; i < files.length; i++) {
        if (files[i].size > maxBytes) return form.getAttribute('data-msg-file-too-large') + files[i].name;
      }
      return '';
    }

    if (filesInput && chosen) {
      filesInput.addEventListener('change', function () {
        var n = filesInput.files ? filesInput.files.length : 0;
        var text = n > 0 ? fill(form.getAttribute('data-msg-files-chosen'), n) : '';
        var problem = fileProblem();
        chosen.textContent = problem ? text + ' ' + problem : text;
        if (!problem) say('');
      });
    }

    // Character counter for the description, announced (politely) only near the limit.
    var description = byId('description');
    var counter = byId('description-counter');
    var counterLive = byId('description-live');
    if (description && counter) {
      var maxChars = parseInt(counter.getAttribute('data-max'), 10) || 5000;
      var timer = null;
      var update = function (announce) {
        var left = maxChars - charCount(description.value);
        var text =
          left >= 0
            ? fill(form.getAttribute('data-msg-chars-left'), left)
            : fill(form.getAttribute('data-msg-chars-over'), -left);
        counter.textContent = text;
        counter.className = left < 0 ? 'counter over' : 'counter';
        show(counter, true);
        if (announce && counterLive) {
          clearTimeout(timer);
          timer = setTimeout(function () {
            if (left <= maxChars / 10) counterLive.textContent = text;
          }, 1200);
        }
      };
      description.addEventListener('input', function () {
        update(true);
      });
      update(false);
    }

    // Contact boxes only when the person wants to be contacted (always when one has an error).
    var callback = byId('wants_callback');
    var details = byId('contact-details');
    if (callback && details) {
      callback.setAttribute('aria-controls', 'contact-details');
      var sync = function () {
        show(details, callback.checked || !!details.querySelector('[aria-invalid="true"]'));
      };
      callback.addEventListener('change', sync);
      sync();
    }

    function reset() {
      sending = false;
      if (button) button.disabled = false;
      show(progressBox, false);
    }

    function failed() {
      reset();
      say(form.getAttribute('data-msg-retry'));
    }

    function replaceDocument(html) {
      document.open();
      document.write(html);
      document.close();
      if (window.scrollTo) window.scrollTo(0, 0);
    }

    form.addEventListener('submit', function (ev) {
      if (sending) {
        ev.preventDefault();
        return;
      }
      var problem = fileProblem();
      if (problem) {
        ev.preventDefault();
        say(problem);
        if (filesInput) filesInput.focus();
        return;
      }
      if (!window.FormData || !window.XMLHttpRequest) return; // the browser posts the form itself
      var xhr = new XMLHttpRequest();
      if (!xhr.upload) return;
      ev.preventDefault();

      var data = new FormData(form);
      sending = true;
      say('');
      if (button) button.disabled = true;
      if (bar) bar.value = 0;
      var lastAnnounced = -1;
      var setProgress = function (percent) {
        if (bar) bar.value = percent;
        // The live text changes every 10 %, so that a screen reader is not flooded.
        var step = Math.floor(percent / 10) * 10;
        if (statusText && step !== lastAnnounced) {
          lastAnnounced = step;
          statusText.textContent = fill(form.getAttribute('data-msg-sending'), percent);
        }
      };
      setProgress(0);
      show(progressBox, true);

      xhr.open('POST', form.getAttribute('action') || '/report', true);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && e.total > 0) setProgress(Math.floor((e.loaded * 100) / e.total));
      };
      xhr.upload.onload = function () {
        if (bar) bar.value = 100;
        if (statusText) statusText.textContent = form.getAttribute('data-msg-processing');
      };
      xhr.onload = function () {
        var type = xhr.getResponseHeader('Content-Type') || '';
        if (type.indexOf('text/html') === 0 && xhr.responseText) {
          replaceDocument(xhr.responseText);
        } else {
          failed();
        }
      };
      xhr.onerror = failed;
      xhr.onabort = failed;
      xhr.ontimeout = failed;
      xhr.send(data);
    });
  }

  function init() {
    var form = byId('report-form');
    if (form) setupForm(form);
    setupErrorSummary();
    setupCopy();
    focusOnLoad();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
