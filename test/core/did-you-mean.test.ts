import { describe, expect, it } from "vitest";
import { didYouMean, editDistance } from "../../src/core/did-you-mean.js";

describe("didYouMean", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("nmae", "name")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("suggests the closest plausible candidate, ignoring case, or nothing", () => {
    const keys = ["name", "use_futures", "rate_limit_per_minute", "rest_url", "ws_url"];
    expect(didYouMean("nmae", keys)).toBe("name");
    expect(didYouMean("USEFUTURES", keys)).toBe("use_futures");
    expect(didYouMean("resturl", keys)).toBe("rest_url");
    expect(didYouMean("zzzzzz", keys)).toBeUndefined();
    expect(didYouMean("x", keys)).toBeUndefined();
  });
});
