import { describe, it } from 'vitest';
import { browserAvailable, useAppAndBrowser } from '../support/browser';
import { fixedClock } from '../support/test-app';
import { describePageAudit } from '../support/page-audit';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15: every back-office page, listed from the router, as the operator's admin and as
 * its read-only viewer, at 1280 and 320 px: no axe-core WCAG 2.1 A/AA violation and no
 * sideways scroll. The public and shop pages: a11y-public-shop.
 */
describe.runIf(hasBrowser)('accessibility of the operator back-office (Chromium, axe-core)', () => {
  const env = useAppAndBrowser({ clock: fixedClock(new Date()) }) // settable: the audit's dataset settles a week;

  it('every back-office page as admin and as viewer: zero WCAG 2.1 A/AA violations, no overflow at 320 px', describePageAudit('operator', ['admin', 'viewer'], env, { admin: 20, viewer: 15 }), 300_000);
});
