// The shop directory works without this script (a GET form filtered by the server): here,
// changing a town, a category or « ouvert maintenant » submits the form at once.
(function () {
  var form = document.querySelector('[data-directory-form]');
  if (!form) return;
  form.addEventListener('change', function (e) {
    var t = e.target;
    if (t && (t.tagName === 'SELECT' || t.type === 'checkbox')) form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
