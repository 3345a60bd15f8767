/**
 * Streaming a long pdfkit document into a response with flat memory (printable voucher
 * sheets, shops' statements): pdfkit pushes every
 * finished page into its readable buffer whatever the consumer does, so the drawing
 * yields to the event loop after each page and waits while more than HIGH_WATER bytes
 * sit unread. A consumer that goes away stops the drawing.
 */

/** A4 in PDF points, and the brand colour every document shares. */
export const A4 = { w: 595.28, h: 841.89 };
export const BRAND = '#1f4e79';

const HIGH_WATER = 256 * 1024;
const DRAIN_POLL_MS = 50;

type Out = NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };

export interface PdfOutput {
  /** The consumer went away or failed: stop drawing. */
  gone(): boolean;
  /** Call between pages. */
  pace(): Promise<void>;
  /** Ends the document and resolves when `out` has it all; throws the first error of either. */
  finish(): Promise<void>;
  /** Stops without ending the file: the caller destroys `out` (a truncated PDF must not look whole). */
  abandon(): void;
}

export function pipePdf(doc: PDFKit.PDFDocument, out: NodeJS.WritableStream): PdfOutput {
  const dest = out as Out;
  let failure: unknown = null;
  let settle = () => {};
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const onError = (err: unknown) => {
    failure ??= err;
    settle();
  };
  // Both streams get an 'error' listener: an unhandled one would crash the process.
  dest.on('error', onError);
  doc.on('error', onError);
  dest.once('finish', settle);
  dest.once('close', settle);
  const dispose = () => {
    dest.off('error', onError);
    doc.off('error', onError);
    dest.off('finish', settle);
    dest.off('close', settle);
  };
  doc.pipe(dest);
  const gone = () => failure !== null || dest.destroyed === true || dest.writableEnded === true;
  return {
    gone,
    async pace() {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (doc.readableLength > HIGH_WATER && !gone()) await drainOrTimeout(dest);
    },
    async finish() {
      if (gone()) {
        this.abandon();
      } else {
        doc.end();
        await finished;
      }
      dispose();
      if (failure !== null) throw failure;
    },
    abandon() {
      doc.unpipe(dest as NodeJS.WritableStream);
      doc.destroy();
      dispose();
    },
  };
}

// Hand-rolled instead of events.once so no listener is left behind when the timer wins.
function drainOrTimeout(dest: Out): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      dest.off('drain', done);
      dest.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, DRAIN_POLL_MS);
    dest.on('drain', done);
    dest.on('close', done);
  });
}

/**
 * PDF standard fonts use WinAnsi: the narrow no-break space (U+202F) Intl puts in French
 * amounts and our typography puts before « ; ! ? » is not in it, but the no-break space is
 * (0xA0), so both become U+00A0 and « 1 234,56 € » or « Total : » still hold together when
 * a reader reflows or copies the text.
 */
export const winAnsi = (s: string): string => s.replace(/\u202f/g, '\u00a0');

/** The text, shortened with « … » until it fits `width` in the current font (one line, no wrapping). */
export function fitText(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo).trimEnd()}…`;
}
