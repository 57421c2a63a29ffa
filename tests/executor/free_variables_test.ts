import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { freeVariables } from "../../executor/free_variables.ts";

const free = (source: string) => freeVariables(source);

describe("freeVariables", () => {
  it("finds names used but not declared, in order", () => {
    assert.deepEqual(free("(a) => a + offset * scale(a)"), ["offset", "scale"]);
    assert.deepEqual(free("() => ({ offset })"), ["offset"]);
    assert.deepEqual(free("(a) => a ? yes : no"), ["yes", "no"]);
    assert.deepEqual(free("(a) => `${a} ${other}`"), ["other"]);
    assert.deepEqual(free("(o) => o[key]"), ["key"]);
    assert.deepEqual(free("(o) => o?.[key]"), ["key"]);
    assert.deepEqual(free("(x) => { switch (x) { case limit: return 1; } }"), [
      "limit",
    ]);
  });

  it("reports globals too, leaving them to the caller", () => {
    assert.deepEqual(free("() => Math.max(1, 2)"), ["Math"]);
  });

  it("knows parameters, locals and function names", () => {
    const sources = [
      "(a, b) => a + b",
      "a => a",
      "async (a) => { const b = await a; return b; }",
      "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }",
      "function* gen(n) { for (let i = 0, j = n; i < j; i++) yield i; }",
      "({ a, b: [c, d = 1] }, ...rest) => a + c + d + rest.length",
      "() => { var x = 1; let [y, z] = [2, 3]; const { w } = { w: 4 }; return x + y + z + w; }",
      "(xs) => { for (const x of xs) {} for (const k in xs) {} }",
      "() => { try { return 1; } catch (error) { return error; } }",
      "twice(n) { return n * 2; }",
      "async *items(n) { yield n; }",
    ];
    for (const source of sources) assert.deepEqual(free(source), [], source);
  });

  it("skips properties, keys, labels, strings, comments and regexes", () => {
    const sources = [
      "(o) => o.far.away",
      "(o) => o?.maybe",
      "(a) => ({ key: a, 'quoted': a, nested: { deep: a }, method(x) { return x; }, get g() { return 1; } })",
      "(s) => 'name' + \"other\" + `plain ${s} text`",
      "(a) => /* hidden */ a // also hidden",
      "(s) => /a\\/b[/]name/g.test(s) ? s.split('/').length / 2 : 0",
      "() => { outer: for (;;) { break outer; } }",
      "(n) => 1e3 + 0x1f + .5 + n",
    ];
    for (const source of sources) assert.deepEqual(free(source), [], source);
  });

  it("knows class bodies", () => {
    const source = "() => { class A { x = 1; static y = 2; #z = 3; " +
      "m(q) { return this.#z + q; } get w() { return 1; } } return new A(); }";
    assert.deepEqual(free(source), []);
    assert.deepEqual(free("() => class extends Base {}"), ["Base"]);
  });
});
