// While the tool refreshes this person's figures from Canvas, look for fresher figures every few
// seconds, for the page's time budget; reload once they have arrived, else say the page is as of before.
(function () {
  var notice = document.querySelector('[data-refresh]');
  if (!notice) return;
  var url = notice.getAttribute('data-refresh');
  var shown = notice.getAttribute('data-as-of') || '';
  var giveUpAt = Date.now() + Number(notice.getAttribute('data-budget-ms') || 20000);
  function check() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.dataAsOf && body.dataAsOf !== shown) { window.location.reload(); return; }
        later();
      })
      .catch(later);
  }
  function later() {
    if (Date.now() < giveUpAt) { setTimeout(check, 3000); return; }
    notice.textContent = 'Canvas has not answered yet: these figures are from the time shown. They refresh again next time you open the tool.';
  }
  setTimeout(check, 3000);
})();
