// The W8 job for piscina and tinypool.
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
export default ({ n }) => fib(n);
