// The API key: asked for once, kept in this tab's session storage, forgotten on request or when refused.

const STORAGE_KEY = 'cask.dashboard.apiKey';

/** @returns {string | null} */
export function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** @param {string} key */
export function storeKey(key) {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** @param {string} name @returns {string} a meta tag the server writes into the page */
function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
}

/** Where the page is served (`/dashboard` unless the app chose another path), for links back to it. */
export function dashboardPath() {
  return meta('cask-dashboard-path') || '/dashboard';
}

/** @param {string} path an api path such as `/jobs` @returns {string} it under the prefix of the app's Cask routes */
export function apiUrl(path) {
  return `${meta('cask-api-path')}${path}`;
}

/** Whether the api asks for keys: the server writes it into the page, so no request has to fail to find out. */
export function keysRequired() {
  const meta = document.querySelector('meta[name="cask-keys-required"]');
  return !meta || meta.getAttribute('content') !== 'false';
}
