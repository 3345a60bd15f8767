// Progressive enhancement only: every form works without this file.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // An order awaiting its payment's confirmation: ask its status every 3 s and reload the
  // page once it changed (paid or cancelled), instead of reloading under the reader.
  const waiting = document.querySelector('[data-order-status]');
  if (waiting && waiting.dataset.orderStatus) {
    const poll = function () {
      fetch(waiting.dataset.orderStatus, { headers: { accept: 'application/json' }, cache: 'no-store' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (body) {
          if (body && body.order && body.order.status !== 'pending_payment') window.location.reload();
          else setTimeout(poll, 3000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 3000);
  }

  const form = document.querySelector('[data-order-form]');
  if (!form) return;

  const lines = Array.from(form.querySelectorAll('[data-line]'));
  const addButton = form.querySelector('[data-add-line]');
  const totalOut = form.querySelector('[data-total]');
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR';
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' });

  // Exact cents from "12", "12,5", "12.50" — same rule as the server.
  function cents(text) {
    const m = /^\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*€?\s*$/.exec(text || '');
    return m ? Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0')) : null;
  }

  function lineCents(line) {
    const select = line.querySelector('[data-amount]');
    if (!select.value) return 0;
    const unit = select.value === 'other' ? cents(line.querySelector('[data-custom] input').value) : cents(select.value);
    const qty = Number(line.querySelector('[data-qty]').value);
    return unit && Number.isInteger(qty) && qty > 0 ? unit * qty : 0;
  }

  function refresh() {
    let total = 0;
    for (const line of lines) {
      const select = line.querySelector('[data-amount]');
      line.querySelector('[data-custom]').classList.toggle('is-hidden-js', select.value !== 'other');
      if (!line.classList.contains('is-unused')) total += lineCents(line);
    }
    if (totalOut) totalOut.textContent = total ? money.format(total / 100) : '—';
    if (addButton) addButton.hidden = !lines.some((l) => l.classList.contains('is-unused'));
  }

  if (addButton) {
    addButton.addEventListener('click', function () {
      const next = lines.find((l) => l.classList.contains('is-unused'));
      if (!next) return;
      next.classList.remove('is-unused');
      const select = next.querySelector('[data-amount]');
      if (!select.value && select.options.length > 1) select.selectedIndex = 1;
      select.focus();
      refresh();
    });
  }
  // A free amount outside the campaign's range is marked as soon as the buyer leaves the
  // field, with the same message the server gives (data-range-error), not after posting.
  function checkCustom(input) {
    const value = input.value.trim();
    const unit = cents(value);
    const min = cents(input.min);
    const max = cents(input.max);
    const wrong = value !== '' && unit !== null && ((min !== null && unit < min) || (max !== null && unit > max));
    const id = input.id + '-error';
    let box = document.getElementById(id);
    const hint = input.id + '-hint';
    if (wrong) {
      if (!box) {
        box = document.createElement('p');
        box.className = 'field-error';
        box.id = id;
        input.insertAdjacentElement('afterend', box);
      }
      box.textContent = '⚠ ' + input.getAttribute('data-range-error');
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', hint + ' ' + id);
    } else if (box && box.hasAttribute('data-range-shown')) {
      box.remove();
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', hint);
    }
    if (wrong && box) box.setAttribute('data-range-shown', '');
  }
  for (const input of form.querySelectorAll('[data-custom] input')) {
    input.addEventListener('change', function () { checkCustom(input); });
  }

  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  refresh();
})();
