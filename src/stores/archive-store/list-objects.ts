/**
 * The little XML the S3 adapter reads. workerd has no DOM parser, and the responses we
 * read (ListObjectsV2 and error documents) are flat, so a few anchored
 * regular expressions plus a strict entity decoder are enough. Keys are never trimmed:
 * a key may begin or end with spaces.
 */

export interface ListObjectsPage {
  keys: string[];
  isTruncated: boolean;
  nextContinuationToken: string | null;
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Text content of an element: CDATA sections verbatim, entity references decoded. */
export function decodeXmlText(raw: string): string {
  return raw
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) => (part.startsWith("<![CDATA[") ? part.slice(9, -3) : decodeEntities(part)))
    .join("");
}

function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) throw new Error(`malformed XML: bare '&' in ${JSON.stringify(text)}`);
    if (name.startsWith("#x") || name.startsWith("#X")) return fromCodePoint(parseInt(name.slice(2), 16), whole);
    if (name.startsWith("#")) return fromCodePoint(parseInt(name.slice(1), 10), whole);
    const named = NAMED_ENTITIES[name];
    if (named === undefined) throw new Error(`malformed XML: unknown entity ${whole}`);
    return named;
  });
}

function fromCodePoint(n: number, entity: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff) throw new Error(`malformed XML: bad character reference ${entity}`);
  return String.fromCodePoint(n);
}

/** Every `<tag>…</tag>` body inside `xml`, in order (`<tag/>` counts as empty). */
function elements(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, "g");
  return [...xml.matchAll(re)].map((m) => m[1] ?? "");
}

function firstText(xml: string, tag: string): string | null {
  const [body] = elements(xml, tag);
  return body === undefined ? null : decodeXmlText(body);
}

/** Parses a ListObjectsV2 response body (`<ListBucketResult>`). */
export function parseListObjectsV2(xml: string): ListObjectsPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw new Error("not a ListBucketResult document");
  const keys = elements(xml, "Contents").map((contents) => {
    const key = firstText(contents, "Key");
    if (key === null) throw new Error("a <Contents> element has no <Key>");
    return key;
  });
  const isTruncated = firstText(xml, "IsTruncated")?.trim() === "true";
  const token = firstText(xml, "NextContinuationToken");
  if (isTruncated && !token) throw new Error("IsTruncated without NextContinuationToken");
  return { keys, isTruncated, nextContinuationToken: isTruncated ? token : null };
}

/** The `<Code>` of an S3 error document, if the body is one. */
export function parseErrorCode(xml: string): string | null {
  return /<Error[\s>]/.test(xml) ? firstText(xml, "Code") : null;
}
