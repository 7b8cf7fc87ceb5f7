/** Where the dashboard is served; its files live under it. */
export const DASHBOARD_PATH = '/dashboard';

/** The dashboard page and its files. */
export function isDashboardPage(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/**
 * The dashboard's Content-Security-Policy, for helmet: only its own files and its own api, no inline
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
