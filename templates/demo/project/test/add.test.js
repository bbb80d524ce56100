import { test } from "node:test";
import assert from "node:assert/strict";
import { add } from "../src/add.js";

test("add", () => {
  assert.equal(add(2, 3), 5);
});
