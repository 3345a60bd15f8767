// The till: scan (or type) a voucher, say how much to take, confirm, and cancel within
// the allowed minutes. Every word shown comes from the page (<template data-strings>).
(function () {
  'use strict';
  const root = document.querySelector('[data-till]');
  if (!root) return;

  const $ = (sel, within) => (within || root).querySelector(sel);
  const $$ = (sel, within) => Array.from((within || root).querySelectorAll(sel));
  const csrf = root.getAttribute('data-csrf') || '';
  const voidMinutes = Number(root.getAttribute('data-void-minutes')) || 0;
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR';
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' });
  const dateFmt = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });
  const timeFmt = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const fmt = (c) => money.format(c / 100);
  const SCAN_EVERY_MS = 150;
  const FRAME_SIZE = 480;
  const REQUEST_TIMEOUT_MS = 15000;

  // ---- Words -------------------------------------------------------------------------
  const words = {};
  const tpl = $('template[data-strings]');
  if (tpl) for (const el of tpl.content.querySelectorAll('[data-k]')) words[el.getAttribute('data-k')] = el.textContent.trim();
  function say(key, params) {
    const text = words[key] || words['reason.generic'] || '';
    return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
  }

  // ---- Pure helpers --------------------------------------------------------------------
  // Exact cents from "12", "12,5", "12.50" — the same rule as app.js and the server.
  function cents(text) {
    const m = /^\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*€?\s*$/.exec(text || '');
    return m ? Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0')) : null;
  }
  // "20,00" / "20.00" for putting an amount back into the field (no floats).
  function plainAmount(c) {
    const sep = locale === 'fr-FR' ? ',' : '.';
    return Math.floor(c / 100) + sep + String(c % 100).padStart(2, '0');
  }
  // A scanned payload is BASE_URL/v/CODE; a typed one is the code. Dashes, spaces, case ignored.
  function codeFrom(input) {
    const text = String(input || '').trim();
    const m = /\/v\/([^/?#]+)\/?(?:[?#].*)?$/.exec(text);
    let raw = text;
    if (m) {
      try {
        raw = decodeURIComponent(m[1]);
      } catch (_) {
        raw = m[1];
      }
    }
    return raw.replace(/[\s\-–]/g, '').toUpperCase();
  }
  const formatCode = (code) => (code.match(/.{1,4}/g) || []).join('-');
  // What is visibly wrong before asking the server (which also checks the check character).
  function codeProblem(code) {
    if (!code) return say('code_empty');
    const bad = Array.from(new Set(code.replace(/[23456789ABCDEFGHJKMNPQRSTUVWXYZ]/g, ''))).join(' ');
    if (bad) return say('code_chars', { chars: bad });
    if (code.length !== 20) return say('code_length', { count: code.length });
    return null;
  }
  function newKey() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- Elements ------------------------------------------------------------------------
  const live = $('[data-live]');
  const steps = $$('[data-step]');
  const video = $('[data-video]');
  const scanner = $('[data-scanner]');
  const idle = $('[data-idle]');
  const idleText = $('[data-idle-text]');
  const aim = $('[data-aim]');
  const cameraToggle = $('[data-camera-toggle]');
  const cameraLabel = $('[data-camera-label]');
  const cameraMsg = $('[data-camera-msg]');
  const codeForm = $('[data-code-form]');
  const codeInput = $('#till-code');
  const codeSubmit = $('[data-code-submit]');
  const codeError = $('[data-code-error]');
  const amountForm = $('[data-amount-form]');
  const amountInput = $('#till-amount');
  const amountError = $('[data-amount-error]');
  const useAll = $('[data-use-all]');
  const confirmBtn = $('[data-confirm]');
  const confirmError = $('[data-confirm-error]');
  const refusedBox = $('[data-refused-box]');
  const voidBox = $('[data-void-box]');
  const voidBtn = $('[data-void]');
  const voidConfirm = $('[data-void-confirm]');
  const voidYes = $('[data-void-yes]');
  const voidNo = $('[data-void-no]');
  const voidUntil = $('[data-void-until]');
  const voidError = $('[data-void-error]');

  // ---- State ---------------------------------------------------------------------------
  let step = 'scan';
  let voucher = null; // the voucher being taken, as the API returned it
  let attempt = null; // { key, code, amountCents, purchaseCents } until the server answers
  let sending = false;
  let lookingUp = false;
  let done = null; // { redemption, purchaseCents }
  let voidTimer = 0;

  function announce(text) {
    live.textContent = '';
    // A fresh text node makes screen readers read it even when it repeats.
    setTimeout(() => (live.textContent = text), 50);
  }
  function show(name, focusEl) {
    step = name;
    root.setAttribute('data-at', name);
    for (const s of steps) s.hidden = s.getAttribute('data-step') !== name;
    if (name !== 'scan') stopStream();
    // The till's own top, past the site header: the result fills the phone's screen.
    root.scrollIntoView({ block: 'start' });
    if (focusEl) focusEl.focus({ preventScroll: true });
  }

  // ---- API -----------------------------------------------------------------------------
  async function api(method, path, body) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    const headers = { Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    try {
      const res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', body: body ? JSON.stringify(body) : undefined, signal: ctrl.signal });
      let data = null;
      try {
        data = await res.json();
      } catch (_) {
        data = null;
      }
      return { ok: res.ok, status: res.status, data, network: false };
    } catch (_) {
      return { ok: false, status: 0, data: null, network: true };
    } finally {
      clearTimeout(timer);
    }
  }

  const KINDS = {
    VOUCHER_NOT_FOUND: 'unknown',
    INVALID_CODE: 'mistyped',
    VOUCHER_EXPIRED: 'expired',
    INSUFFICIENT_BALANCE: 'spent',
    VOUCHER_BLOCKED: 'blocked',
    VOUCHER_CANCELLED: 'cancelled',
    NOT_ACCEPTED_HERE: 'not_accepted',
    RATE_LIMITED: 'rate_limited',
    VOID_WINDOW_PASSED: 'void_window',
  };
  // Turns a failed call into { kind, title, text, link } in plain words.
  function explain(r, during) {
    if (r.network || (r.status >= 500 && !(r.data && r.data.error))) return { kind: 'network', title: say('refused.network'), text: say(during === 'confirm' ? 'reason.network_confirm' : 'reason.network') };
    const err = (r.data && r.data.error) || {};
    const serverText = typeof err.message === 'string' ? err.message.trim() : '';
    if (r.status === 401) return { kind: 'session', title: say('refused.session'), text: say('reason.session'), link: 'signin' };
    if (err.code === 'CSRF_FAILED') return { kind: 'csrf', title: say('refused.csrf'), text: say('reason.csrf'), link: 'reload' };
    if (r.status >= 500) return { kind: 'network', title: say('refused.error'), text: serverText || say('reason.generic') };
    const kind = KINDS[err.code];
    if (!kind) return { kind: 'generic', title: say('refused.error'), text: serverText || say('reason.generic') };
    const fallback = say('reason.' + kind);
    return { kind, title: say('refused.' + kind), text: serverText || (fallback.indexOf('{') === -1 ? fallback : say('reason.generic')) };
  }
  // Fills a box made of [data-problem-title], [data-problem-text] and the optional links.
  function fillProblem(box, why) {
    $('[data-problem-title]', box).textContent = why.title;
    $('[data-problem-text]', box).textContent = why.text;
    const links = $('[data-problem-links]', box);
    $('[data-signin]', box).hidden = why.link !== 'signin';
    $('[data-reload]', box).hidden = why.link !== 'reload';
    links.hidden = !why.link;
    box.classList.toggle('is-warning', why.kind === 'network');
    box.hidden = false;
  }
  function refuse(why) {
    fillProblem(refusedBox, why);
    show('refused', $('#till-refused-title'));
    announce(why.text);
    if (navigator.vibrate) navigator.vibrate([80, 60, 80]);
  }

  // ---- Step 1: find the voucher -------------------------------------------------------
  function clearCodeError() {
    codeError.hidden = true;
    codeInput.removeAttribute('aria-invalid');
  }
  function codeFail(why, source) {
    fillProblem(codeError, why);
    codeInput.setAttribute('aria-invalid', 'true');
    announce(why.title + '. ' + why.text);
    if (source === 'typed') codeInput.focus();
    else {
      (cameraToggle.hidden ? codeInput : cameraToggle).focus({ preventScroll: true });
      codeError.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  async function lookup(code, source) {
    if (lookingUp) return;
    lookingUp = true;
    clearCodeError();
    codeSubmit.disabled = true;
    codeSubmit.textContent = say('checking');
    root.setAttribute('aria-busy', 'true');
    const r = await api('GET', '/api/v1/vouchers/' + encodeURIComponent(code));
    lookingUp = false;
    codeSubmit.disabled = false;
    codeSubmit.textContent = say('code_submit');
    root.removeAttribute('aria-busy');
    if (r.ok && r.data && r.data.voucher) return showVoucher(r.data.voucher);
    const why = explain(r, 'lookup');
    if (['expired', 'spent', 'blocked', 'cancelled', 'not_accepted'].indexOf(why.kind) !== -1) return refuse(why);
    codeFail(why, source);
  }

  // Why a voucher that was found cannot be taken here, or null when it can.
  function statusRefusal(v) {
    const kinds = { expired: 'expired', spent: 'spent', blocked: 'blocked', cancelled: 'cancelled' };
    const kind = kinds[v.status] || (v.status !== 'active' ? 'generic' : v.balanceCents <= 0 ? 'spent' : !v.acceptedHere ? 'not_accepted' : null);
    if (!kind) return null;
    const params = { date: v.expiresAt ? dateFmt.format(new Date(v.expiresAt)) : '', campaign: v.campaignName || v.campaign || '' };
    return { kind, title: say('refused.' + kind), text: say('reason.' + kind, params) };
  }

  function showVoucher(v) {
    const no = statusRefusal(v);
    if (no) return refuse(no);
    voucher = v;
    attempt = null;
    $('[data-v-campaign]').textContent = v.campaignName || v.campaign || '';
    $('[data-v-balance]').textContent = fmt(v.balanceCents);
    $('[data-v-amount]').textContent = fmt(v.amountCents);
    $('[data-v-expires]').textContent = v.expiresAt ? dateFmt.format(new Date(v.expiresAt)) : '—';
    $('[data-v-code]').textContent = v.code;
    amountInput.value = '';
    amountInput.readOnly = false;
    amountError.hidden = true;
    amountInput.removeAttribute('aria-invalid');
    confirmError.hidden = true;
    useAll.textContent = say('use_all', { amount: fmt(v.balanceCents) });
    updateSplit();
    show('voucher', amountInput);
    announce(say('live_found', { amount: fmt(v.balanceCents) }));
  }

  codeInput.addEventListener('input', () => {
    clearCodeError();
    // Groups of four as the code is typed at the end (never moves the caret mid-edit).
    const atEnd = codeInput.selectionStart === codeInput.value.length;
    if (!atEnd) return;
    const code = codeFrom(codeInput.value).replace(/[^0-9A-Z]/g, '');
    const pretty = formatCode(code);
    if (pretty !== codeInput.value) codeInput.value = pretty;
  });
  codeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = codeFrom(codeInput.value);
    const problem = codeProblem(code);
    if (problem) return codeFail({ kind: 'mistyped', title: say(code ? 'refused.mistyped' : 'refused.generic'), text: problem }, 'typed');
    lookup(code, 'typed');
  });

  // ---- Camera --------------------------------------------------------------------------
  const canScan = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) && window.isSecureContext !== false;
  let stream = null;
  let starting = false;
  let cameraOn = false; // the user wants the camera (kept for the next voucher)
  let resumeOnVisible = false;
  let scanTimer = 0;
  let detector = null;
  let worker = null;
  let workerBusy = false;
  let ignored = null; // a QR that is not a voucher: not reported again and again
  const canvas = document.createElement('canvas');
  const ctx2d = canvas.getContext('2d', { willReadFrequently: true });

  function remember(on) {
    try {
      localStorage.setItem('till.camera', on ? 'on' : 'off');
    } catch (_) {
      /* private mode: no memory, no harm */
    }
  }
  function remembered() {
    try {
      return localStorage.getItem('till.camera') === 'on';
    } catch (_) {
      return false;
    }
  }
  function cameraNote(text) {
    cameraMsg.textContent = text || '';
    cameraMsg.hidden = !text;
  }
  // On phones the preview only takes room while the camera is opening or on (CSS).
  function cameraUi(state) {
    for (const s of ['off', 'starting', 'on']) scanner.classList.toggle('is-' + s, state === s);
    idle.hidden = state === 'on';
    idleText.textContent = say(state === 'starting' ? 'camera_starting' : 'camera_idle');
    aim.hidden = state !== 'on';
    cameraLabel.textContent = say(state === 'off' ? 'camera_start' : 'camera_stop');
    cameraToggle.classList.toggle('button-secondary', state !== 'off');
  }

  async function prepareDecoder() {
    if (detector || worker) return;
    if ('BarcodeDetector' in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.indexOf('qr_code') !== -1) {
          detector = new window.BarcodeDetector({ formats: ['qr_code'] });
          return;
        }
      } catch (_) {
        detector = null;
      }
    }
    if (!window.Worker) return;
    worker = new Worker('/js/scan-worker.js');
    worker.onmessage = (e) => {
      workerBusy = false;
      if (e.data && e.data.text && stream) onPayload(e.data.text);
    };
    worker.onerror = (e) => {
      // The decoder could not load: say so once, typing still works.
      if (e && e.preventDefault) e.preventDefault();
      if (worker) worker.terminate();
      worker = null;
      workerBusy = false;
      stopCamera();
      cameraNote(say('camera_unsupported'));
    };
  }

  async function startCamera() {
    if (stream || starting || !canScan) return;
    starting = true;
    cameraOn = true;
    cameraNote('');
    cameraUi('starting');
    try {
      await prepareDecoder();
      const s = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      starting = false;
      if (!cameraOn || step !== 'scan') {
        s.getTracks().forEach((t) => t.stop());
        cameraUi('off');
        return;
      }
      stream = s;
      video.srcObject = s;
      try {
        await video.play();
      } catch (_) {
        /* muted inline video plays; nothing else to do */
      }
      remember(true);
      cameraUi('on');
      announce(say('live_camera_on'));
      scheduleScan();
    } catch (err) {
      starting = false;
      cameraOn = false;
      remember(false);
      cameraUi('off');
      const name = err && err.name;
      const key =
        name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError'
          ? 'camera_denied'
          : name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError'
            ? 'camera_none'
            : name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError'
              ? 'camera_busy'
              : 'camera_unsupported';
      cameraNote(say(key));
      announce(say(key));
    }
  }
  // Stops the video (battery, privacy) but keeps the wish to scan the next voucher.
  function stopStream() {
    clearTimeout(scanTimer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
    workerBusy = false;
    if (!starting) cameraUi('off');
  }
  function stopCamera() {
    cameraOn = false;
    remember(false);
    stopStream();
    announce(say('live_camera_off'));
  }

  function scheduleScan() {
    clearTimeout(scanTimer);
    scanTimer = setTimeout(scanFrame, SCAN_EVERY_MS);
  }
  // One frame: the centre square (what the framed preview shows), scaled down.
  async function scanFrame() {
    if (!stream || step !== 'scan') return;
    if (lookingUp) return scheduleScan();
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (video.readyState < 2 || !vw || !vh) return scheduleScan();
    const side = Math.min(vw, vh);
    const size = Math.min(side, FRAME_SIZE);
    if (canvas.width !== size) canvas.width = canvas.height = size;
    ctx2d.drawImage(video, (vw - side) / 2, (vh - side) / 2, side, side, 0, 0, size, size);
    if (detector) {
      let text = null;
      try {
        const found = await detector.detect(canvas);
        text = found && found.length ? found[0].rawValue : null;
      } catch (_) {
        detector = null;
        await prepareDecoder();
      }
      if (text && stream && onPayload(text)) return;
    } else if (worker && !workerBusy) {
      workerBusy = true;
      const img = ctx2d.getImageData(0, 0, size, size);
      worker.postMessage({ width: size, height: size, data: img.data.buffer }, [img.data.buffer]);
    }
    scheduleScan();
  }

  // A decoded QR code; true when it was taken (the camera stops and the lookup starts).
  function onPayload(text) {
    if (text === ignored || lookingUp || step !== 'scan') return false;
    const code = codeFrom(text);
    if (codeProblem(code)) {
      ignored = text;
      cameraNote(say('not_a_voucher_qr'));
      announce(say('not_a_voucher_qr'));
      return false;
    }
    if (navigator.vibrate) navigator.vibrate(40);
    stopStream();
    cameraNote('');
    codeInput.value = formatCode(code);
    lookup(code, 'scan');
    return true;
  }

  if (canScan) {
    cameraToggle.hidden = false;
    cameraToggle.addEventListener('click', () => (stream || starting ? stopCamera() : startCamera()));
    // The idle preview (shown on tablets) is a large target too.
    scanner.addEventListener('click', () => {
      if (!stream && !starting) startCamera();
    });
    if (remembered()) startCamera();
  } else {
    scanner.classList.add('is-unavailable');
    cameraNote(say('camera_unsupported'));
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && stream) {
      resumeOnVisible = true;
      stopStream();
    } else if (!document.hidden && resumeOnVisible) {
      resumeOnVisible = false;
      if (cameraOn && step === 'scan') startCamera();
    }
  });
  window.addEventListener('pagehide', stopStream);

  // ---- Step 2: how much ---------------------------------------------------------------
  function updateSplit() {
    const split = $('[data-split]');
    const c = cents(amountInput.value);
    if (!voucher || !c) {
      split.hidden = true;
      if (!attempt) confirmBtn.textContent = say('confirm');
      return;
    }
    const debit = Math.min(c, voucher.balanceCents);
    const rest = c - debit;
    $('[data-split-debit]').textContent = fmt(debit);
    $('[data-split-after]').textContent = fmt(voucher.balanceCents - debit);
    $('[data-split-rest]').textContent = fmt(rest);
    $('[data-split-rest-row]').hidden = rest === 0;
    $('[data-split-covers]').hidden = rest !== 0;
    split.hidden = false;
    if (!attempt) confirmBtn.textContent = say('confirm_amount', { amount: fmt(debit) });
  }
  function amountFail(text) {
    amountError.textContent = text;
    amountError.hidden = false;
    amountInput.setAttribute('aria-invalid', 'true');
    amountInput.focus();
    announce(text);
  }
  amountInput.addEventListener('input', () => {
    amountError.hidden = true;
    amountInput.removeAttribute('aria-invalid');
    updateSplit();
  });
  useAll.addEventListener('click', () => {
    if (!voucher || amountInput.readOnly) return;
    amountInput.value = plainAmount(voucher.balanceCents);
    amountError.hidden = true;
    amountInput.removeAttribute('aria-invalid');
    updateSplit();
    confirmBtn.focus();
  });

  amountForm.addEventListener('submit', (e) => {
    e.preventDefault();
    confirmRedemption();
  });

  async function confirmRedemption() {
    if (sending || !voucher) return;
    const purchase = cents(amountInput.value);
    if (purchase === null) return amountFail(say('amount_invalid'));
    if (purchase <= 0) return amountFail(say('amount_zero'));
    const debit = Math.min(purchase, voucher.balanceCents);
    // One key per confirmation attempt; the same key again after a dropped connection,
    // so the server answers with the first result instead of taking the amount twice.
    if (!attempt || attempt.code !== voucher.code || attempt.amountCents !== debit) attempt = { key: newKey(), code: voucher.code, amountCents: debit, purchaseCents: purchase };
    sending = true;
    confirmBtn.disabled = true;
    confirmBtn.classList.add('is-busy');
    confirmBtn.textContent = say('sending');
    amountInput.readOnly = true;
    confirmError.hidden = true;
    root.setAttribute('aria-busy', 'true');
    const r = await api('POST', '/api/v1/redemptions', { code: attempt.code, amountCents: attempt.amountCents, idempotencyKey: attempt.key });
    sending = false;
    confirmBtn.disabled = false;
    confirmBtn.classList.remove('is-busy');
    root.removeAttribute('aria-busy');

    if (r.ok && r.data && r.data.redemption) {
      const purchaseCents = attempt.purchaseCents;
      attempt = null;
      amountInput.readOnly = false;
      return showDone(r.data, purchaseCents);
    }
    const why = explain(r, 'confirm');
    if (why.kind === 'network') {
      // Unknown outcome: keep the amount and the key; the retry cannot take it twice.
      fillProblem(confirmError, why);
      confirmBtn.textContent = say('retry', { amount: fmt(attempt.amountCents) });
      confirmBtn.focus();
      announce(why.text);
      return;
    }
    attempt = null;
    amountInput.readOnly = false;
    updateSplit();
    if (why.kind === 'spent') {
      // The balance moved since the lookup (another till?): look again before refusing.
      const again = await api('GET', '/api/v1/vouchers/' + encodeURIComponent(voucher.code));
      const v = again.ok && again.data && again.data.voucher;
      if (v && !statusRefusal(v)) {
        voucher = v;
        $('[data-v-balance]').textContent = fmt(v.balanceCents);
        useAll.textContent = say('use_all', { amount: fmt(v.balanceCents) });
        updateSplit();
        fillProblem(confirmError, { kind: 'balance', title: say('refused.error'), text: say('reason.balance_changed', { amount: fmt(v.balanceCents) }) });
        amountInput.focus();
        announce(say('reason.balance_changed', { amount: fmt(v.balanceCents) }));
        return;
      }
      return refuse(v ? statusRefusal(v) : why);
    }
    if (['unknown', 'mistyped', 'expired', 'blocked', 'cancelled', 'not_accepted'].indexOf(why.kind) !== -1) return refuse(why);
    fillProblem(confirmError, why);
    confirmBtn.focus();
    announce(why.text);
  }

  // ---- Step 3: done, with a short window to cancel -----------------------------------
  function showDone(data, purchaseCents) {
    const red = data.redemption;
    done = { redemption: red, purchaseCents };
    const card = $('[data-step="done"] .result-card');
    card.classList.remove('is-voided');
    $('[data-done-title]').textContent = say('done_heading');
    $('[data-done-taken]').textContent = fmt(red.amountCents);
    $('[data-done-balance]').textContent = fmt(data.voucher.balanceCents);
    $('[data-done-number]').textContent = String(red.number);
    const rest = purchaseCents - red.amountCents;
    const restEl = $('[data-done-rest]');
    restEl.textContent = say('done_other_means', { amount: fmt(rest) });
    restEl.hidden = rest <= 0;
    $('[data-voided-text]').hidden = true;
    voidConfirm.hidden = true;
    voidBtn.hidden = false;
    voidBtn.disabled = false;
    voidError.hidden = true;
    clearTimeout(voidTimer);
    if (voidMinutes > 0) {
      // Measured on this device from the server's answer, with a margin for the clock.
      const deadline = Date.now() + voidMinutes * 60000 - 15000;
      voidUntil.textContent = say('void_until', { time: timeFmt.format(new Date(deadline)) });
      voidBox.hidden = false;
      voidTimer = setTimeout(() => (voidBox.hidden = true), Math.max(0, deadline - Date.now()));
    } else voidBox.hidden = true;
    show('done', $('#till-done-title'));
    announce(say('live_done', { amount: fmt(red.amountCents), balance: fmt(data.voucher.balanceCents) }));
    if (navigator.vibrate) navigator.vibrate(60);
  }

  voidBtn.addEventListener('click', () => {
    voidBtn.hidden = true;
    voidConfirm.hidden = false;
    voidError.hidden = true;
    voidYes.focus();
  });
  voidNo.addEventListener('click', () => {
    voidConfirm.hidden = true;
    voidBtn.hidden = false;
    voidBtn.focus();
  });
  voidYes.addEventListener('click', async () => {
    if (!done || voidYes.disabled) return;
    voidYes.disabled = true;
    voidNo.disabled = true;
    const label = voidYes.textContent;
    voidYes.textContent = say('voiding');
    const r = await api('POST', '/api/v1/redemptions/' + encodeURIComponent(done.redemption.id) + '/void', {});
    voidYes.disabled = false;
    voidNo.disabled = false;
    voidYes.textContent = label;
    if (r.ok && r.data && r.data.voucher) {
      clearTimeout(voidTimer);
      voidBox.hidden = true;
      $('[data-step="done"] .result-card').classList.add('is-voided');
      $('[data-done-title]').textContent = say('voided_heading');
      $('[data-done-balance]').textContent = fmt(r.data.voucher.balanceCents);
      $('[data-done-rest]').hidden = true;
      // A reissued code: the amount went back to the customer's replacement voucher.
      const text = r.data.creditedTo === 'replacement' ? say('voided_replacement') : say('voided_text', { amount: fmt(r.data.voucher.balanceCents) });
      const voided = $('[data-voided-text]');
      voided.textContent = text;
      voided.hidden = false;
      $('#till-done-title').focus();
      announce(text);
      return;
    }
    const why = explain(r, 'void');
    voidError.textContent = why.text;
    voidError.hidden = false;
    if (why.kind === 'void_window') {
      voidConfirm.hidden = true;
      voidUntil.hidden = true;
      clearTimeout(voidTimer);
    }
    announce(why.text);
  });

  // ---- Back to the start --------------------------------------------------------------
  function restart() {
    voucher = null;
    attempt = null;
    done = null;
    ignored = null;
    clearTimeout(voidTimer);
    voidUntil.hidden = false;
    codeInput.value = '';
    clearCodeError();
    cameraNote('');
    confirmBtn.textContent = say('confirm');
    if (cameraOn && canScan) {
      show('scan', $('#till-scan-title'));
      startCamera();
    } else show('scan', codeInput);
  }
  for (const b of $$('[data-restart]')) b.addEventListener('click', restart);
})();
