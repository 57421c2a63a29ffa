// The W7 and W8 jobs for workerpool, which loads a CommonJS worker script.
const workerpool = require("workerpool");
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
workerpool.worker({ add: (a, b) => a + b, fib });
