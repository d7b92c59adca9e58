/* global document, EventSource */
// Void dashboard: progressive enhancement only. Without this script every page works and a reload shows the news;
// with it, job progress and the approvals inbox update live from the page's event stream (Server-Sent Events).
'use strict';
(function () {
  var targets = document.querySelectorAll('[data-live][data-stream]');
  if (!targets.length || typeof EventSource === 'undefined') return;
  var stream = new EventSource(targets[0].getAttribute('data-stream'));
  var status = document.getElementById('live-status');
  Array.prototype.forEach.call(targets, function (el) {
    var name = el.getAttribute('data-live');
    var pending = null;
    var apply = function (markup) {
      // Never replace a form the person is typing in: keep the news until they leave it.
      if (el.contains(document.activeElement) && document.activeElement.tagName === 'TEXTAREA') {
        pending = markup;
        return;
      }
      pending = null;
      if (el.innerHTML !== markup) el.innerHTML = markup;
    };
    el.addEventListener('focusout', function () {
      if (pending !== null)
        setTimeout(function () {
          apply(pending);
        }, 0);
    });
    stream.addEventListener(name, function (e) {
      apply(e.data);
    });
  });
  stream.addEventListener('open', function () {
    if (status) status.textContent = 'Live: updates arrive as they happen.';
  });
  stream.addEventListener('error', function () {
    if (status) status.textContent = 'Live updates paused; reconnecting…';
  });
})();
