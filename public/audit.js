// Audit autosave: every change is kept on this device at once and sent to the server a moment
// later, so answers survive a lost connection; a copy newer than the server's is offered back.
(function () {
  var form = document.querySelector('form[data-autosave]');
  if (!form) return;
  var status = form.querySelector('.save-status');
  var key = 'ecf-progress:' + form.getAttribute('data-storage-key');
  var serverSavedAt = Date.parse(form.getAttribute('data-saved-at') || '') || 0;
  var csrf = form.querySelector('input[name=_csrf]').value;
  var version = Number(form.querySelector('input[name=version]').value);
  var timer = null;

  function answers() {
    var ratings = [];
    var reflections = [];
    form.querySelectorAll('fieldset.statement').forEach(function (fieldset) {
      var checked = fieldset.querySelector('input[type=radio]:checked');
      ratings.push(checked ? Number(checked.value) : null);
      reflections.push(fieldset.querySelector('textarea').value);
    });
    return { version: version, ratings: ratings, reflections: reflections };
  }

  function fill(saved) {
    form.querySelectorAll('fieldset.statement').forEach(function (fieldset, i) {
      fieldset.querySelectorAll('input[type=radio]').forEach(function (radio) { radio.checked = Number(radio.value) === saved.ratings[i]; });
      fieldset.querySelector('textarea').value = saved.reflections[i] || '';
    });
  }

  function say(text) { if (status) status.textContent = text; }

  function keepLocally() {
    try { localStorage.setItem(key, JSON.stringify({ at: Date.now(), answers: answers() })); } catch (e) { /* storage full or blocked: the server copy still saves */ }
  }

  function send() {
    timer = null;
    say('Saving…');
    fetch(form.getAttribute('data-autosave'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(answers()),
      credentials: 'same-origin',
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { say('Not saved: ' + (body.error || 'please try again.')); return; }
        try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
        say('Draft saved at ' + new Date(body.savedAt).toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/London' }) + '.');
      });
    }).catch(function () {
      say('You seem to be offline. Your answers are kept on this device and will be saved when you are back online.');
    });
  }

  function changed() {
    keepLocally();
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, 1200);
  }

  try {
    var kept = JSON.parse(localStorage.getItem(key) || 'null');
    if (kept && kept.at > serverSavedAt) {
      fill(kept.answers);
      say('Answers from this device that had not reached the server are back in the form. Saving them now…');
      send();
    }
  } catch (e) { /* unreadable copy: ignore it */ }

  form.addEventListener('change', changed);
  form.addEventListener('input', changed);
  window.addEventListener('online', function () { if (localStorage.getItem(key)) send(); });
})();
