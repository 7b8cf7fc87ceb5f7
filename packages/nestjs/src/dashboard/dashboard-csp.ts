/**
 * The dashboard's Content-Security-Policy: only its own files and its own api, no inline
 * script or style, nothing framed or framing, and Trusted Types with no policy, so no string can ever
 * become HTML (the page builds every element itself, and job payloads are text to it, never markup).
 * No `upgrade-insecure-requests`: over plain http (localhost, a private network) it would break the page.
 */
export const DASHBOARD_CSP_DIRECTIVES: Readonly<Record<string, string[]>> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** {@link DASHBOARD_CSP_DIRECTIVES} as a header value. */
export const DASHBOARD_CSP = Object.entries(DASHBOARD_CSP_DIRECTIVES)
  .map(([name, values]) => `${kebab(name)} ${values.join(' ')}`)
  .join('; ');

/**
 * The headers of the page and each of its files, set by the dashboard itself so they hold whatever the host's
 * middleware (helmet or none) sets on its own routes.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
