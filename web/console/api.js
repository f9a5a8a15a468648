// The console's only way to the server: JSON over fetch, same origin, with the session cookie
// (HttpOnly: this code never sees it) and the CSRF token on every unsafe method.

export class ApiError extends Error {
  // status: HTTP status (0 when the server could not be reached); code, message, fields: from
  // the server's {"error":{...}} body when it sent one.
  constructor(status, code, message, fields) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.serverMessage = message || '';
    this.fields = Array.isArray(fields) ? fields : [];
  }
}

let csrfToken = '';

export function setCsrf(token) {
  csrfToken = token || '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Calls the API. Returns the parsed JSON body (or null for an empty one); throws ApiError.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, credentials: 'same-origin', headers, cache: 'no-store', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '', []);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data && typeof data === 'object' && data.error ? data.error : {};
    throw new ApiError(res.status, e.code, e.message, e.fields);
  }
  return data;
}

// A query string from the non-empty entries of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
