/**
 * Screen-pop URL templates: parsing, the rules a template must follow to be
 * saved, and rendering with placeholder values. Pure: no I/O.
 *
 * The rules keep a contact's field from ever steering the browser:
 * - the scheme and the authority (user info, host, port) are literal text;
 *   a placeholder may stand only in the path, the query or the fragment;
 * - every value is percent-encoded as a URI component (RFC 3986 unreserved
 *   characters stay, everything else — "/", "?", "#", "@", "&", "=", "+",
 *   unicode — is encoded), so it stays inside the one component it landed in;
 * - a path value that would be a whole "." or ".." segment is refused (the
 *   WHATWG URL parser resolves "%2e%2e" as ".." too, so encoding cannot help);
 * - https is always allowed; other schemes only when the organisation allowed
 *   them; javascript:, data:, file: and friends never.
 */

export type Placement = "path" | "query" | "fragment";

export type TemplatePart = { kind: "literal"; text: string } | { kind: "placeholder"; name: string; placement: Placement };

export interface ParsedTemplate {
  readonly template: string;
  /** Lower case, without ":". */
  readonly scheme: string;
  /** The literal authority ("crm.example.com:8443"), or undefined for a scheme without "//". */
  readonly authority: string | undefined;
  readonly parts: readonly TemplatePart[];
  /** Placeholder names in order of first use. */
  readonly placeholders: readonly string[];
}

/** Placeholders every call has a value for. */
export const builtinPlaceholders = ["number", "number_national", "extension", "direction"] as const;

/** Never allowed, whatever an organisation configures: they run code, read local files or carry their own content. */
export const forbiddenSchemes: ReadonlySet<string> = new Set(["javascript", "vbscript", "data", "file", "blob", "filesystem", "about", "view-source", "http", "ws", "wss", "ftp"]);

export const maxTemplateLength = 2_000;
export const maxRenderedLength = 8_192;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const placeholderName = /^[A-Za-z][\w.-]{0,63}$/;
const schemePattern = /^[a-z][a-z0-9+.-]{0,31}$/;

export class TemplateError extends Error {}

/** Splits a template into literal text and placeholders; throws TemplateError naming the first problem. */
export function parseTemplate(template: string): ParsedTemplate {
  if (template.trim() === "") throw new TemplateError("must not be empty");
  if (template.length > maxTemplateLength) throw new TemplateError(`must be at most ${maxTemplateLength} characters (got ${template.length})`);
  if (/[\s\u0000-\u001f\u007f]/.test(template)) throw new TemplateError("must not contain spaces or control characters: percent-encode them (%20)");

  const parts: TemplatePart[] = [];
  const placeholders: string[] = [];
  let placement: Placement = "path";
  let literal = "";
  const pushLiteral = () => {
    if (literal) parts.push({ kind: "literal", text: literal });
    literal = "";
  };
  for (let index = 0; index < template.length; index++) {
    const char = template[index]!;
    if (char === "}") throw new TemplateError(`has a "}" without its "{" at character ${index + 1}`);
    if (char !== "{") {
      if (char === "#") placement = "fragment";
      else if (char === "?" && placement === "path") placement = "query";
      literal += char;
      continue;
    }
    const close = template.indexOf("}", index + 1);
    const open = template.indexOf("{", index + 1);
    if (close === -1 || (open !== -1 && open < close)) throw new TemplateError(`has a "{" without its "}" at character ${index + 1}`);
    const name = template.slice(index + 1, close);
    if (!placeholderName.test(name)) {
      throw new TemplateError(`has a malformed placeholder "{${name}}" at character ${index + 1}: a name is 1-64 letters, digits, '_', '-' or '.', starting with a letter`);
    }
    pushLiteral();
    parts.push({ kind: "placeholder", name, placement });
    if (!placeholders.includes(name)) placeholders.push(name);
    index = close;
  }
  pushLiteral();

  const first = parts[0];
  const head = first?.kind === "literal" ? first.text : "";
  const colon = head.indexOf(":");
  const schemeText = colon === -1 ? "" : head.slice(0, colon);
  if (colon === -1 || !schemePattern.test(schemeText.toLowerCase()) || /[/?#]/.test(schemeText)) {
    throw new TemplateError('must start with a literal scheme such as "https://": a placeholder cannot choose the scheme');
  }
  const scheme = schemeText.toLowerCase();
  let authority: string | undefined;
  if (head.startsWith("//", colon + 1)) {
    const rest = head.slice(colon + 3);
    const end = rest.search(/[/?#]/);
    if (end === -1 && parts.length > 1) {
      const next = parts[1] as Extract<TemplatePart, { kind: "placeholder" }>;
      throw new TemplateError(`has the placeholder {${next.name}} in the host: placeholders may stand only in the path, query or fragment, after a literal host`);
    }
    authority = end === -1 ? rest : rest.slice(0, end);
  }
  return { template, scheme, authority, parts, placeholders };
}

/** A problem with the template as a whole, or undefined when it may be saved. */
export function checkTemplate(parsed: ParsedTemplate, rules: { allowedSchemes: readonly string[]; knownPlaceholders: ReadonlySet<string> }): string | undefined {
  if (forbiddenSchemes.has(parsed.scheme)) return `uses the scheme "${parsed.scheme}:", which is never allowed: use https`;
  if (parsed.scheme !== "https" && !rules.allowedSchemes.includes(parsed.scheme)) {
    return `uses the scheme "${parsed.scheme}:", which your organisation has not allowed: use https, or allow it with UpdateScriptSettings`;
  }
  if (parsed.scheme === "https") {
    if (parsed.authority === undefined) return 'must be an absolute https URL: "https://host/path"';
    if (parsed.authority === "") return "has no host: write it out, e.g. https://crm.example.com/...";
    if (!URL.canParse(`https://${parsed.authority}/`) || new URL(`https://${parsed.authority}/`).host === "") return `has an invalid host "${parsed.authority}"`;
    if (parsed.authority.includes("@")) return "must not carry user name or password in the URL";
  }
  const unknown = parsed.placeholders.filter((name) => !rules.knownPlaceholders.has(name));
  if (unknown.length > 0) {
    return `uses unknown placeholder${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `{${n}}`).join(", ")}: use ${builtinPlaceholders.map((n) => `{${n}}`).join(", ")} or a script field of one of your data sources`;
  }
  // The template with harmless values must parse as a URL of its own scheme and host.
  const sample = renderParsed(parsed, Object.fromEntries(parsed.placeholders.map((name) => [name, "x"])));
  if (!sample.ok) return sample.problem;
  return undefined;
}

/** RFC 3986 strict: only unreserved characters stay; lone surrogates become U+FFFD instead of throwing. */
export function encodeComponent(value: string): string {
  return encodeURIComponent(value.replace(loneSurrogate, "\uFFFD")).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type RenderResult = { ok: true; url: string } | { ok: false; problem: string };

/**
 * Fills the placeholders. A placeholder without a value, a value that would
 * be a "." or ".." path segment, or a result past maxRenderedLength fails:
 * the caller drops that action rather than open a wrong page.
 */
export function renderParsed(parsed: ParsedTemplate, values: Readonly<Record<string, string | undefined>>): RenderResult {
  let url = "";
  for (let index = 0; index < parsed.parts.length; index++) {
    const part = parsed.parts[index]!;
    if (part.kind === "literal") {
      url += part.text;
      continue;
    }
    const value = values[part.name];
    if (value === undefined) return { ok: false, problem: `has no value for {${part.name}}` };
    if (part.placement === "path" && (value === "." || value === "..")) {
      const before = url.at(-1);
      const next = parsed.parts[index + 1];
      const after = next === undefined ? undefined : next.kind === "literal" ? next.text[0] : "x";
      if ((before === "/" || before === undefined) && (after === undefined || after === "/" || after === "?" || after === "#")) {
        return { ok: false, problem: `would make {${part.name}} a "${value}" path segment` };
      }
    }
    url += encodeComponent(value);
    if (url.length > maxRenderedLength) break;
  }
  if (url.length > maxRenderedLength) return { ok: false, problem: `renders longer than ${maxRenderedLength} characters` };
  if (!URL.canParse(url)) return { ok: false, problem: "does not render to a valid URL" };
  const parsedUrl = new URL(url);
  if (parsedUrl.protocol !== `${parsed.scheme}:`) return { ok: false, problem: "renders to a URL of another scheme" };
  if (parsed.authority !== undefined && parsedUrl.host !== new URL(`${parsed.scheme === "https" ? "https" : "http"}://${parsed.authority}/`).host) {
    // Special schemes normalise the host (case, default port); others keep it verbatim.
    if (parsedUrl.host !== parsed.authority) return { ok: false, problem: "renders to a URL of another host" };
  }
  return { ok: true, url };
}
