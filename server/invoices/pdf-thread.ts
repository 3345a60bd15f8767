import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import type { InvoiceDocument } from './invoice-document';

/**
 * Invoices and pro-formas are drawn in a worker thread: a PDF/A page costs the CPU ~40-80 ms
 * and more under load (font subsetting, compression), which on the main thread held every
 * other request (issue 13, finding 5). The thread loads the same TypeScript modules through
 * tsx's CommonJS hook and keeps running (unref'd) once started; documents go in as plain
 * data (the stored JSON) and the bytes come back transferred, not copied.
 */
const MODULES = {
  pdf: fileURLToPath(new URL('./invoice-pdf.ts', import.meta.url)),
  facturx: fileURLToPath(new URL('./facturx.ts', import.meta.url)),
};
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
require('tsx/cjs/api').register();
const { renderInvoicePdf } = require(workerData.pdf);
const { renderFacturX } = require(workerData.facturx);
parentPort.on('message', async ({ id, doc, locale, kind, brand }) => {
  // Structured clone turned the logo's Buffer into a Uint8Array: pdfkit wants a Buffer.
  if (brand && brand.logo) brand.logo.bytes = Buffer.from(brand.logo.bytes);
  try {
    const pdf = kind === 'facturx' ? (await renderFacturX(doc, locale, brand)).pdf : await renderInvoicePdf(doc, locale, brand);
    const bytes = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength).slice();
    parentPort.postMessage({ id, bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.stack || err) });
  }
});
`;

type Pending = { resolve: (b: Buffer) => void; reject: (e: Error) => void };
let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER, { eval: true, workerData: MODULES });
  w.on('message', (m: { id: number; bytes?: Uint8Array; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.error !== undefined) p.reject(new Error(`invoice PDF thread: ${m.error}`));
    else p.resolve(Buffer.from(m.bytes!.buffer, m.bytes!.byteOffset, m.bytes!.byteLength));
  });
  // A dead thread fails what it held; the next document starts a new one.
  const fail = (err: Error) => {
    if (worker === w) worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`invoice PDF thread exited (${code})`)));
  w.unref();
  worker = w;
  return w;
}

/** The invoice or pro-forma PDF (`pdf`), or a public body's Factur-X (`facturx`), drawn off the event loop with the operator's brand. */
export function renderInvoiceOffThread(doc: InvoiceDocument, locale: string, kind: 'pdf' | 'facturx', brand: PdfBrand = DEFAULT_PDF_BRAND): Promise<Buffer> {
  const w = thread();
  const id = nextId++;
  return new Promise<Buffer>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Kept alive while it owes an answer, so a request awaiting it is never cut short.
    w.ref();
    w.postMessage({ id, doc, locale, kind, brand });
  });
}
