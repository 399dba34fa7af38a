// While a sync the admin started runs, ask for its progress every two seconds and write it in the
// course's row ("Syncing: 40 of 120 students"); once it has ended, reload so the row shows the new sync.
(function () {
  var notice = document.querySelector('[data-sync-progress]');
  if (!notice) return;
  var url = notice.getAttribute('data-sync-progress');
  var giveUpAt = Date.now() + 15 * 60 * 1000;
  function rowOf(courseId) {
    var cells = document.querySelectorAll('[data-sync-status]');
    for (var i = 0; i < cells.length; i += 1) if (cells[i].getAttribute('data-sync-status') === courseId) return cells[i];
    return null;
  }
  function check() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var ended = false;
        (body.courses || []).forEach(function (course) {
          var cell = rowOf(course.courseId);
          if (!cell) return;
          if (cell.getAttribute('data-syncing') === 'true' && !course.syncing) ended = true;
          else if (course.syncing && course.text && cell.textContent !== course.text) cell.textContent = course.text;
        });
        if (ended) { window.location.reload(); return; }
        later();
      })
      .catch(later);
  }
  function later() {
    if (Date.now() < giveUpAt) setTimeout(check, 2000);
  }
  setTimeout(check, 1000);
})();
