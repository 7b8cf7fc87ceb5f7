// Calls to the api, with the API key as a bearer token; errors carry the api's own sentence.

import { apiUrl } from './session.js';

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * @param {() => string | null} key the key to send, if any
 * @param {() => void} onUnauthorized called on a 401: the key was revoked or mistyped
 */
export function createApi(key, onUnauthorized) {
  /** @param {string} method @param {string} path @param {unknown} [body] */
  async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    const current = key();
    if (current) headers.authorization = `Bearer ${current}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(apiUrl(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'The api cannot be reached');
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401) onUnauthorized();
      throw new ApiError(response.status, (data && data.error) || `The api answered ${response.status}`);
    }
    return data;
  }
  return {
    /** @param {string} path */
    get: (path) => call('GET', path),
    /** @param {string} path @param {unknown} [body] */
    post: (path, body) => call('POST', path, body),
    /** @param {string} path */
    delete: (path) => call('DELETE', path),
    /** The headers a streaming fetch needs. @returns {Record<string, string>} */
    headers() {
      const current = key();
      return current ? { authorization: `Bearer ${current}` } : {};
    },
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
