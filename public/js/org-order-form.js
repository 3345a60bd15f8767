// Organisation order form: shows only the parts that apply (public body or company; amounts
// or file). Progressive enhancement only: without this file every part stays visible with
// a hint, and the server ignores the parts that do not apply.
(function () {
  'use strict';
  const form = document.querySelector('[data-org-form]');
  if (!form) return;

  function checkedValue(selector) {
    const checked = form.querySelector(selector + ':checked');
    return checked ? checked.value : null;
  }

  function refresh() {
    const type = checkedValue('[data-org-type]');
    for (const section of form.querySelectorAll('[data-for-type]')) {
      section.classList.toggle('is-hidden-js', section.getAttribute('data-for-type') !== type);
    }
    const source = checkedValue('[data-org-source]');
    for (const section of form.querySelectorAll('[data-for-source]')) {
      section.classList.toggle('is-hidden-js', section.getAttribute('data-for-source') !== source);
    }
  }

  // A file over the limit is refused by the server too; saying it now saves an upload.
  const file = form.querySelector('input[type="file"][data-max-bytes]');
  if (file) {
    file.addEventListener('change', function () {
      const max = Number(file.getAttribute('data-max-bytes'));
      const chosen = file.files && file.files[0];
      file.setCustomValidity(chosen && chosen.size > max ? file.getAttribute('data-too-large') || '' : '');
      if (chosen && chosen.size > max) file.reportValidity();
    });
  }

  form.addEventListener('change', function (event) {
    if (event.target.matches('[data-org-type], [data-org-source]')) refresh();
  });
  refresh();

  // After a refused file, bring the report into view: it is what the user must act on.
  const report = document.getElementById('csv-report');
  if (report) report.focus();
})();
