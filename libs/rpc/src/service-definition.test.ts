import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { deserializerFor, serializerFor } from "./service-definition.js";

describe("message serialization", () => {
  const serialize = serializerFor(EchoRequestSchema);
  const deserialize = deserializerFor(EchoRequestSchema);

  it("writes strings as UTF-8, byte for byte what TextEncoder gives", () => {
    for (const text of ["Jan de Vries", "Zoë Ağaoğlu", "李小龙", "📞 +31 35 699 02 30", ""]) {
      const bytes = serialize(create(EchoRequestSchema, { text }));
      const utf8 = new TextEncoder().encode(text);
      // Field 1, length-delimited; the length fits one varint byte here.
      expect(bytes.subarray(2)).toEqual(Buffer.from(utf8));
      expect(bytes.length).toBe(text === "" ? 0 : 2 + utf8.length);
      expect((deserialize(bytes) as { text: string }).text).toBe(text);
    }
  });

  it("writes a lone surrogate as U+FFFD, as TextEncoder does", () => {
    const bytes = serialize(create(EchoRequestSchema, { text: "a\uD800b" }));
    expect((deserialize(bytes) as { text: string }).text).toBe("a\uFFFDb");
  });

  it("hands grpc-js a Buffer of exactly the message's bytes", () => {
    const bytes = serialize(create(EchoRequestSchema, { text: "x".repeat(300) }));
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.length).toBe(1 + 2 + 300);
  });
});
