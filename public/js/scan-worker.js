// Decodes QR codes off the main thread for browsers without BarcodeDetector.
// Receives { width, height, data: ArrayBuffer of RGBA pixels }; answers { text | null }.
/* global jsQR */
'use strict';
importScripts('/vendor/jsQR.js');

self.onmessage = function (e) {
  const msg = e.data || {};
  let text = null;
  try {
    const pixels = new Uint8ClampedArray(msg.data);
    // Printed and on-screen vouchers are dark on light: no need to try inverted images.
    const found = jsQR(pixels, msg.width, msg.height, { inversionAttempts: 'dontInvert' });
    text = found && found.data ? found.data : null;
  } catch (_) {
    text = null;
  }
  self.postMessage({ text: text });
};
