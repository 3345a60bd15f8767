import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The EN 16931 business rules (CEN/TC 434 validation artefacts, CII binding) run as the
 * official compiled Schematron (an XSLT 2.0 stylesheet in the project's ../shared) by
 * Saxon-HE from Debian's libsaxonhe-java. An independent validator: nothing here reads our
 * own generator. Saxon starts a JVM (about two seconds), so every file of a test goes
 * through one run: Saxon transforms a whole directory into a directory of SVRL reports.
 */

export const SAXON_JAR = process.env.SAXON_JAR ?? '/usr/share/java/Saxon-HE.jar';
export const EN16931_XSLT = fileURLToPath(new URL('../../../shared/data/en16931/EN16931-CII-validation.xslt', import.meta.url));

/** Saxon runs when java and the jar are installed; CI sets REQUIRE_SAXON=1 so these tests can never skip there. */
export function saxonAvailable(): boolean {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  const missing = [!java && 'java (default-jre-headless)', !existsSync(SAXON_JAR) && `${SAXON_JAR} (libsaxonhe-java)`, !existsSync(EN16931_XSLT) && EN16931_XSLT].filter(Boolean);
  if (missing.length && process.env.REQUIRE_SAXON === '1') throw new Error(`REQUIRE_SAXON=1 but missing: ${missing.join(', ')}`);
  if (missing.length) console.warn(`[EN 16931 Schematron tests skipped] missing: ${missing.join(', ')}`);
  return missing.length === 0;
}

export interface FailedAssert {
  id: string;
  flag: string;
  location: string;
  text: string;
}

const attr = (attrs: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1] ?? '';

/** Every svrl:failed-assert of a report, whatever its flag. */
export function failedAsserts(svrl: string): FailedAssert[] {
  if (!svrl.includes('<svrl:schematron-output')) throw new Error('not an SVRL report');
  return [...svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)].map(([, attrs = '', body = '']) => ({
    id: attr(attrs, 'id'),
    flag: attr(attrs, 'flag'),
    location: attr(attrs, 'location'),
    text: (/<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(body)?.[1] ?? '').replace(/\s+/g, ' ').trim(),
  }));
}

/**
 * Runs the EN 16931 rules over each named XML in one JVM and returns each file's failed
 * assertions (all flags: callers filter on 'fatal', the level at which an invoice does not
 * conform). Throws when Saxon fails or a report is missing, so a broken run never passes.
 * Asynchronous: an app under test in the same process keeps serving (and its keep-alive
 * timers keep time) while the JVM works.
 */
export async function validateEn16931(files: Record<string, string>): Promise<Record<string, FailedAssert[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'en16931-'));
  try {
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    mkdirSync(input);
    mkdirSync(output);
    for (const [name, xml] of Object.entries(files)) writeFileSync(join(input, `${name}.xml`), xml);
    await new Promise<void>((resolve, reject) => {
      execFile('java', ['-cp', SAXON_JAR, 'net.sf.saxon.Transform', `-s:${input}`, `-xsl:${EN16931_XSLT}`, `-o:${output}`], { timeout: 120_000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`Saxon failed: ${err.message}\n${stderr}`)) : resolve(),
      );
    });
    return Object.fromEntries(Object.keys(files).map((name) => [name, failedAsserts(readFileSync(join(output, `${name}.xml`), 'utf8'))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fatal failures of a report, as « BR-CO-16: text » lines (an empty list when the invoice conforms). */
export const fatal = (asserts: FailedAssert[]) => asserts.filter((a) => a.flag === 'fatal').map((a) => `${a.id}: ${a.text}`);
