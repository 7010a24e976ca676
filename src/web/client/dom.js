// Building the page. Every text from the store goes through text nodes
// (textContent): nothing here parses HTML, so stored text cannot become
// markup or script.

/**
 * An element with attributes and children; strings and numbers become text
 * nodes, null and undefined are left out.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>} [attributes]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, ""), value);
    } else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/**
 * @param {Node} parent
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      child instanceof Node ? child : document.createTextNode(String(child)),
    );
  }
}

/** @param {Node} parent @param {...(Node | string | null | undefined | false)} children */
export function replace(parent, ...children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** @param {number | null | undefined} n */
export function count(n) {
  return n === null || n === undefined ? "–" : n.toLocaleString("en-US");
}

/** @param {number | null | undefined} usd */
export function money(usd) {
  if (usd === null || usd === undefined) return "–";
  if (usd === 0) return "$0";
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** @param {number | null | undefined} ms */
export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${
    String(minutes % 60).padStart(2, "0")
  }m`;
}

/** @param {string | null | undefined} iso */
export function time(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** A status as a coloured badge. @param {string} status */
export function badge(status) {
  return h("span", { class: `badge status-${status}` }, status);
}

/** JSON pretty-printed; a string that holds JSON is printed as that JSON. @param {unknown} value */
export function pretty(value) {
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value);
      if (parsed !== null && typeof parsed === "object") {
        return JSON.stringify(parsed, null, 2);
      }
    } catch { /* plain text */ }
    return value;
  }
  return JSON.stringify(value, null, 2);
}

/**
 * GET a JSON API path.
 * @param {string} path
 * @param {AbortSignal} [signal]
 */
export async function getJson(path, signal) {
  const response = await fetch(path, {
    signal,
    headers: { Accept: "application/json" },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

/** Whether `error` is the abort of a page that was left. @param {unknown} error */
export function aborted(error) {
  return error instanceof DOMException && error.name === "AbortError";
}

/** A message in place of a page's content. @param {string} text */
export function notice(text, kind = "info") {
  return h("p", { class: `notice ${kind}` }, text);
}
