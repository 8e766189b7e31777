import { describe, expect, it } from "vitest";
import { parseConfig, type ConfigVars } from "../../src/config/config";
import { decodeXmlText, parseErrorCode, parseListObjectsV2 } from "../../src/stores/archive-store/list-objects";
import { bucketBaseUrl, objectUrl } from "../../src/stores/archive-store/s3";

const page = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>${inner}</ListBucketResult>`;

describe("ListObjectsV2 parsing", () => {
  it("reads keys, decoding entities and character references, keeping spaces", () => {
    const xml = page(
      "<Prefix>temp/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>" +
        "<Contents><Key>temp/a &amp; b&#x27;s.txt</Key><Size>1</Size></Contents>" +
        "<Contents><Key> lead&lt;&gt;&quot;&apos;&#233;&#xAC00; </Key><ETag>&quot;abc&quot;</ETag></Contents>" +
        "<Contents>\n  <Key><![CDATA[raw & <cdata>]]></Key>\n</Contents>",
    );
    expect(parseListObjectsV2(xml)).toEqual({
      keys: ["temp/a & b's.txt", " lead<>\"'é가 ", "raw & <cdata>"],
      isTruncated: false,
      nextContinuationToken: null,
    });
  });

  it("reads an empty result (no Contents at all)", () => {
    const xml = page("<Prefix>x</Prefix><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>");
    expect(parseListObjectsV2(xml)).toEqual({ keys: [], isTruncated: false, nextContinuationToken: null });
    expect(parseListObjectsV2(page("<KeyCount>0</KeyCount>")).keys).toEqual([]);
  });

  it("returns the continuation token of a truncated page, decoded", () => {
    const xml = page(
      "<IsTruncated>true</IsTruncated><NextContinuationToken>1a+b/c=&amp;</NextContinuationToken>" +
        "<Contents><Key>k1</Key></Contents>",
    );
    expect(parseListObjectsV2(xml)).toEqual({ keys: ["k1"], isTruncated: true, nextContinuationToken: "1a+b/c=&" });
  });

  it("ignores CommonPrefixes and KeyCount when collecting keys", () => {
    const xml = page("<CommonPrefixes><Prefix>temp/x/</Prefix></CommonPrefixes><Contents><Key>temp/y</Key></Contents>");
    expect(parseListObjectsV2(xml).keys).toEqual(["temp/y"]);
  });

  it("refuses what it cannot trust", () => {
    expect(() => parseListObjectsV2("<Error><Code>AccessDenied</Code></Error>")).toThrow(/ListBucketResult/);
    expect(() => parseListObjectsV2(page("<IsTruncated>true</IsTruncated>"))).toThrow(/NextContinuationToken/);
    expect(() => parseListObjectsV2(page("<Contents><Size>1</Size></Contents>"))).toThrow(/no <Key>/);
    expect(() => decodeXmlText("a &nbsp; b")).toThrow(/unknown entity/);
    expect(() => decodeXmlText("a & b")).toThrow(/bare/);
    expect(() => decodeXmlText("&#x110000;")).toThrow(/character reference/);
  });
});

describe("error documents", () => {
  it("reads the code of an error document only", () => {
    expect(parseErrorCode("<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>")).toBe("NoSuchKey");
    expect(parseErrorCode("")).toBeNull();
    expect(parseErrorCode("<html>bad gateway</html>")).toBeNull();
  });
});

describe("S3 URLs", () => {
  const base = { bucket: "consultation-chats" };

  it("path-style by default: {endpoint}/{bucket}, keeping an endpoint path", () => {
    expect(bucketBaseUrl({ ...base, endpoint: "http://127.0.0.1:9000", forcePathStyle: true })).toBe(
      "http://127.0.0.1:9000/consultation-chats",
    );
    expect(bucketBaseUrl({ ...base, endpoint: "https://minio.example/s3/", forcePathStyle: true })).toBe(
      "https://minio.example/s3/consultation-chats",
    );
  });

  it("virtual-hosted when path style is off: {bucket}.{host}", () => {
    expect(bucketBaseUrl({ ...base, endpoint: "https://s3.eu-west-1.amazonaws.com", forcePathStyle: false })).toBe(
      "https://consultation-chats.s3.eu-west-1.amazonaws.com",
    );
  });

  it("an endpoint that already names the bucket is used as is", () => {
    for (const forcePathStyle of [true, false]) {
      expect(bucketBaseUrl({ ...base, endpoint: "https://consultation-chats.s3.amazonaws.com", forcePathStyle })).toBe(
        "https://consultation-chats.s3.amazonaws.com",
      );
    }
  });

  it("encodes each key segment per RFC 3986 and keeps the slashes", () => {
    expect(objectUrl("http://h/b", "temp/a b+c&d/상'(x)*!.txt")).toBe(
      "http://h/b/temp/a%20b%2Bc%26d/%EC%83%81%27%28x%29%2A%21.txt",
    );
    expect(() => objectUrl("http://h/b", "temp/../archive/x")).toThrow(/unsupported object key/);
  });
});

describe("S3_FORCE_PATH_STYLE", () => {
  const env = (extra: ConfigVars): ConfigVars =>
    ({
      JWT_SECRET: "x",
      S3_ENDPOINT: "https://s3.eu-west-1.amazonaws.com",
      S3_REGION: "eu-west-1",
      S3_ACCESS_KEY_ID: "AKID",
      S3_SECRET_ACCESS_KEY: "secret",
      ...extra,
    });

  it("defaults to path-style; false selects virtual-hosted", () => {
    expect(parseConfig(env({})).s3?.forcePathStyle).toBe(true);
    expect(parseConfig(env({ S3_FORCE_PATH_STYLE: "true" })).s3?.forcePathStyle).toBe(true);
    expect(parseConfig(env({ S3_FORCE_PATH_STYLE: "false" })).s3?.forcePathStyle).toBe(false);
  });

  it("any other value is a configuration error that names the variable", () => {
    expect(() => parseConfig(env({ S3_FORCE_PATH_STYLE: "no" }))).toThrow(/S3_FORCE_PATH_STYLE must be true or false/);
  });
});
